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


def test_self_closing_components_keep_the_text_of_their_props():
    text = (
        'Before\n\n<InstallationStep\n  stepNumber={1}\n  title="Get it"\n  platforms={{\n'
        "    win: { path: 'C:\\\\Users\\\\<YourUsername>', note: `a } b` },\n  }}\n/>\n\nAfter"
    )
    # the path is machinery (its key says so), the note is text; the tag itself is gone
    assert squash(mdx_to_markdown(text)) == "Before\n\nGet it\n\na } b\n\nAfter"


def test_array_and_object_props_give_their_strings():
    text = (
        "<TroubleshootingAccordion\n  entries={[\n    {\n      id: 'ts-gpu-missing',\n"
        "      problem: 'The simulator cannot find the GPU',\n      severity: \"blocker\",\n"
        "      solutions: ['Install the newest driver', `Reboot`],\n"
        "      link: 'https://example.org/help', count: 3,\n    },\n  ]}\n/>"
    )
    assert squash(mdx_to_markdown(text)).split("\n\n") == [
        "The simulator cannot find the GPU", "blocker", "Install the newest driver", "Reboot",
    ]


def test_machinery_props_are_not_text():
    text = (
        '<Tabs groupId="os" className="tabs wide">\n<TabItem value="py" label="Python" '
        'style={{border: "1px solid"}}>\n\nBody\n\n</TabItem>\n</Tabs>\n\n'
        '<img alt="A diagram" src="x.png" />\n<Badge color="#25c2a0" icon="🔧" to="/docs/x" />'
    )
    assert squash(mdx_to_markdown(text)) == "Python\n\nBody"


def test_a_prop_that_starts_like_a_heading_stays_text():
    out = mdx_to_markdown('<Step description={`# not a heading\nsecond line`} />')
    assert squash(out) == "\\# not a heading\nsecond line"


def test_character_references_are_decoded_outside_code():
    text = "R&amp;D &mdash; 2&nbsp;GB, 20&deg;C, &#8594; &#x2190; &lt;node&gt; &bogus; `&amp;`"
    assert mdx_to_markdown(text) == "R&D — 2\u00a0GB, 20°C, → ← <node> &bogus; `&amp;`"
    assert mdx_to_markdown("```\n&amp;\n```") == "```\n&amp;\n```"
    assert squash(mdx_to_markdown('<Step title="Q&amp;A" />')) == "Q&A"


def test_references_on_a_heading_line_stay_text_for_the_heading_pass():
    assert mdx_to_markdown("## A &lt;node&gt; &amp; more") == "## A \\<node\\> \\& more"


def test_comments_on_a_heading_line_are_kept_for_its_id():
    text = "## Quick start {/* #install */}\n\n## Hidden <!-- c -->\n\nBody {/* gone */} <!-- gone -->"
    assert mdx_to_markdown(text) == (
        "## Quick start {/* #install */}\n\n## Hidden <!-- c -->\n\nBody  "
    )


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
