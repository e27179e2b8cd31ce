"""A Docusaurus book (Markdown and MDX docs) read as Docusaurus reads it, cut into chunks.

Each chunk is a LangChain `Document` whose metadata links to its exact section
(`page_url#anchor`), so answers can cite the page and heading a reader should open.
No network, no embeddings: parsing and chunking only.
"""

from book.content import render_page_content
from book.loader import (
    DEFAULT_CHUNK_OVERLAP,
    DEFAULT_CHUNK_SIZE,
    chunk_id,
    load_book,
    load_page,
)
from book.pages import doc_files

__all__ = [
    "DEFAULT_CHUNK_OVERLAP",
    "DEFAULT_CHUNK_SIZE",
    "chunk_id",
    "doc_files",
    "load_book",
    "load_page",
    "render_page_content",
]
