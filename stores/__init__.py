"""Where bookchat keeps data: conversation history, readers' feedback, the book's vectors."""
