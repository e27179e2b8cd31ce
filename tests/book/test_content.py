from book.content import render_page_content


def test_breadcrumb_line_then_text():
    assert render_page_content(["Module 1", "Nodes", "Topics"], "Topics carry messages.") == (
        "Module 1 > Nodes > Topics\n\nTopics carry messages."
    )
