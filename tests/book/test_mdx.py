"""MDX 2/3 rules as Docusaurus v3 compiles docs; see book/mdx.py."""

import re

from book.mdx import fenced, mdx_to_markdown


def squash(text: str) -> str:
    """Blank lines collapsed, line ends trimmed: the tests care about text, not spacing."""
    return re.sub(
        r"\n\s*\n+", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))
    ).strip()


def test_imports_and_exports_are_dropped():
    text = (
        "import Tabs from '@theme/Tabs';\nimport {\n  A,\n  B,\n} from './parts';\n\n"
        "export const meta = {\n  a: 1,\n\n  b: 2,\n};\n\n# Title\n\nimport is a word here.\n"
    )
    assert squash(mdx_to_markdown(text)) == "# Title\n\nimport is a word here."


def test_import_right_before_markdown_still_ends():
    assert squash(mdx_to_markdown("import X from 'x';\n# Title")) == "# Title"


def test_every_import_form_is_dropped():
    forms = [
        "import X from 'x';",
        "import {A} from 'x';",
        "import * as X from 'x';",
        "import X, {A} from 'x';",
        "import 'x.css';",
        "export default function L() {}",
        "export {A};",
    ]
    assert squash(mdx_to_markdown("\n\n".join([*forms, "kept"]))) == "kept"


def test_code_is_copied_untouched():
    text = (
        "```python\nimport os\n# comment\n{not: jsx}\n```\n\n"
        '~~~xml\n<launch>\n  <node pkg="a"/>\n</launch>\n~~~\n\n'
        "Inline `<Tabs>` and `{x}` stay."
    )
    assert mdx_to_markdown(text) == text


def test_tabs_keep_labels_and_content():
    text = (
        '<Tabs>\n  <TabItem value="py" label="Python">\n\n  ```python\n  wave()\n  ```\n\n'
        '  </TabItem>\n  <TabItem value="cpp" label="C++">\n    Call it from C++.\n  </TabItem>\n'
        "</Tabs>"
    )
    assert squash(mdx_to_markdown(text)) == (
        "Python\n\n  ```python\n  wave()\n  ```\n\nC++\n\n    Call it from C++."
    )


def test_self_closing_components_are_dropped_whole():
    text = (
        'Before\n\n<InstallationStep\n  stepNumber={1}\n  title="Get it"\n  platforms={{\n'
        "    win: { path: 'C:\\\\Users\\\\<YourUsername>', note: `a } b` },\n  }}\n/>\n\nAfter"
    )
    assert squash(mdx_to_markdown(text)) == "Before\n\nAfter"


def test_comments_are_dropped():
    text = "A {/* one */} B\n\n{/* multi\nline */}\n\n<!-- html\ncomment -->\nC"
    assert squash(mdx_to_markdown(text)) == "A  B\n\nC"


def test_expressions_unwrap_literals_and_drop_the_rest():
    assert mdx_to_markdown("Hi{' '}there {props.name}!") == "Hi there !"


def test_code_block_component_becomes_a_fence():
    text = '<CodeBlock language="python" title="t.py">\n{`# check\nprint("\\\\n")\n`}\n</CodeBlock>'
    out = squash(mdx_to_markdown(text))
    assert out == '```python title="t.py"\n# check\nprint("\\n")\n```'


def test_multiline_literal_outside_code_block_is_fenced():
    assert squash(mdx_to_markdown("{`# not a heading\nline`}")) == "```\n# not a heading\nline\n```"


def test_html_is_unwrapped():
    text = (
        "<details>\n<summary>Show answer</summary>\n\nIt is **42**.\n</details>\n\n"
        '<div align="center">Centered<br/>text</div>'
    )
    assert squash(mdx_to_markdown(text)) == "Show answer\n\nIt is **42**.\n\nCentered text"


def test_script_and_style_vanish():
    assert squash(mdx_to_markdown("A\n<style>{`.x { color: red }`}</style>\nB")) == "A\n\nB"


def test_markdown_that_looks_like_jsx_is_kept():
    text = (
        "Heading id {#kept}\n\nEscaped \\{braces\\} and \\<Tag>.\n\n"
        "See <https://example.org>, a < b, x <= 5, <3."
    )
    assert mdx_to_markdown(text) == text


def test_fenced_picks_a_marker_longer_than_the_code():
    assert fenced("a ``` b") == "\n````\na ``` b\n````\n"
