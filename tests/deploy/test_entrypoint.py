"""The image's entrypoint keeps DATA_DIR on the Space's persistent storage when there is one."""

from __future__ import annotations

import os
import subprocess
import sys

from deploy.entrypoint import choose_data_dir, describe
from tests.conftest import PROJECT


def test_a_writable_data_mount_is_used(tmp_path):
    mount = tmp_path / "data"
    mount.mkdir()
    assert choose_data_dir({}, persistent=mount, ephemeral=tmp_path / "app") == str(mount)
    assert "persistent storage" in describe(str(mount), persistent=mount)


def test_without_the_mount_the_ephemeral_folder_is_used(tmp_path):
    chosen = choose_data_dir({}, persistent=tmp_path / "absent", ephemeral=tmp_path / "app")
    assert chosen == str(tmp_path / "app")
    assert "no persistent storage" in describe(chosen, persistent=tmp_path / "absent")


def test_a_file_where_the_mount_should_be_is_not_a_data_dir(tmp_path):
    (tmp_path / "data").write_text("")
    chosen = choose_data_dir({}, persistent=tmp_path / "data", ephemeral=tmp_path / "app")
    assert chosen == str(tmp_path / "app")


def test_an_unwritable_mount_is_explained(tmp_path):
    # As root every folder is writable, so the decision itself is checked in the container
    # (scripts/container/check.sh, UID 1000); here only the log line it leads to.
    mount = tmp_path / "data"
    mount.mkdir()
    assert "not writable" in describe(str(tmp_path / "app"), persistent=mount)


def test_data_dir_given_by_the_operator_wins(tmp_path):
    (tmp_path / "data").mkdir()
    env = {"DATA_DIR": " /srv/bookchat "}
    assert choose_data_dir(env, persistent=tmp_path / "data") == "/srv/bookchat"


def test_main_exports_data_dir_and_becomes_the_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATA_DIR"}
    show = [sys.executable, "-c", "import os; print(os.getpid(), os.environ['DATA_DIR'])"]
    done = subprocess.run([sys.executable, "-m", "deploy.entrypoint", *show], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    expected = "/data" if os.path.isdir("/data") and os.access("/data", os.W_OK) else "/home/user/app/data"
    assert done.stdout.split()[1] == expected
    assert f"DATA_DIR={expected}" in done.stderr
    given = subprocess.run([sys.executable, "-m", "deploy.entrypoint", *show], cwd=PROJECT,
                           env={**env, "DATA_DIR": str(tmp_path)}, capture_output=True,
                           text=True, timeout=60)
    assert given.stdout.split()[1] == str(tmp_path) and given.stderr == ""


def test_main_without_a_command_says_how_to_call_it():
    done = subprocess.run([sys.executable, "-m", "deploy.entrypoint"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "usage" in done.stderr
