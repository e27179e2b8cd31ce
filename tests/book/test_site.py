"""The docs' route base read from docusaurus.config.js source (book/site.py)."""

import pytest

from book.site import DEFAULT_ROUTE_BASE, SiteConfigError, docs_route_base, route_base_from_source


def test_the_classic_preset_docs_option():
    source = """
    // routeBasePath: 'commented-out',
    module.exports = {
      url: 'https://x.org', // a URL is a string, not a comment
      presets: [['classic', {
        docs: {sidebarPath: './sidebars.js', routeBasePath: '/', editUrl: 'https://e.org/{x}'},
        blog: {routeBasePath: 'news'},
      }]],
    };"""
    assert route_base_from_source(source) == "/"


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        ("{routeBasePath: 'guide'}", "/guide"),
        ('{"routeBasePath": "/handbook/"}', "/handbook"),
        ("{routeBasePath: ``}", "/"),
        ("{sidebarPath: './s.js', /* routeBasePath: 'no', */ nested: {routeBasePath: 'no'}}", "/docs"),
    ],
)
def test_values_and_defaults(docs, expected):
    assert route_base_from_source(f"export default {{presets: [['classic', {{docs: {docs}}}]]}};") == expected


def test_no_docs_options_means_the_default():
    assert route_base_from_source("module.exports = {title: 'x'};") == DEFAULT_ROUTE_BASE


def test_the_docs_plugin_form_and_a_second_instance():
    source = """export default {plugins: [
      ['@docusaurus/plugin-content-docs', {routeBasePath: 'book'}],
      ['@docusaurus/plugin-content-docs', {id: 'community', routeBasePath: 'community'}],
    ]};"""
    assert route_base_from_source(source) == "/book"


def test_unreadable_or_ambiguous_values_say_what_to_do():
    with pytest.raises(SiteConfigError, match="--route-base"):
        route_base_from_source("export default {presets: [['classic', {docs: {routeBasePath: BASE}}]]};")
    with pytest.raises(SiteConfigError, match="several"):
        route_base_from_source("x = {docs: {routeBasePath: 'a'}}; y = {docs: {routeBasePath: 'b'}};")


def test_a_site_folder(tmp_path):
    with pytest.raises(SiteConfigError, match="no docusaurus.config.js"):
        docs_route_base(tmp_path)
    (tmp_path / "docusaurus.config.ts").write_text("export default {presets: [['classic', {docs: {routeBasePath: 'learn'}}]]};")
    assert docs_route_base(tmp_path) == "/learn"
