from pathlib import Path, PurePosixPath

import pytest

from book.categories import CategoryLabels


def test_labels_from_json_yaml_or_folder_name(tmp_path: Path):
    (tmp_path / "01-mod").mkdir()
    (tmp_path / "01-mod" / "_category_.json").write_text('{"label": "Module 1: ROS 2"}')
    (tmp_path / "01-mod" / "02-chapter").mkdir()
    (tmp_path / "01-mod" / "02-chapter" / "_category_.yml").write_text("label: Nodes\n")
    (tmp_path / "01-mod" / "02-chapter" / "03-deep").mkdir()
    labels = CategoryLabels(tmp_path)
    # generator.ts: label = _category_ label ?? folder name without its number prefix
    assert labels.breadcrumbs(PurePosixPath("01-mod/02-chapter/03-deep/page.md")) == [
        "Module 1: ROS 2",
        "Nodes",
        "deep",
    ]
    assert labels.breadcrumbs(PurePosixPath("top.md")) == []


def test_category_without_label_uses_folder_name(tmp_path: Path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "_category_.json").write_text('{"position": 2}')
    (tmp_path / "guides" / "setup.md").write_text("# Setup")
    assert CategoryLabels(tmp_path).label(PurePosixPath("guides")) == "guides"


def test_label_from_the_index_doc(tmp_path: Path):
    # generator.ts: label ?? linked doc's sidebar_label ?? its title ?? folder name
    (tmp_path / "01-intro").mkdir()
    (tmp_path / "01-intro" / "index.md").write_text("---\nsidebar_label: Start here\n---\n# Hi")
    (tmp_path / "robots").mkdir()
    (tmp_path / "robots" / "README.md").write_text("# All about robots\n")
    labels = CategoryLabels(tmp_path)
    assert labels.label(PurePosixPath("01-intro")) == "Start here"
    assert labels.label(PurePosixPath("robots")) == "All about robots"


def test_explicit_link_picks_the_doc_or_turns_the_convention_off(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "_category_.json").write_text('{"link": {"type": "doc", "id": "a/over"}}')
    (tmp_path / "a" / "02-overview.md").write_text("---\nid: over\ntitle: Overview\n---\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "_category_.json").write_text('{"link": {"type": "generated-index"}}')
    (tmp_path / "b" / "index.md").write_text("# Not used for the label")
    labels = CategoryLabels(tmp_path)
    assert labels.label(PurePosixPath("a")) == "Overview"
    assert labels.label(PurePosixPath("b")) == "b"


def test_invalid_category_file_names_the_file(tmp_path: Path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "_category_.json").write_text("{label: oops")
    with pytest.raises(ValueError, match="_category_.json"):
        CategoryLabels(tmp_path).label(PurePosixPath("bad"))
