"""The DAGs folder store against a real folder and real git: revisions, conflicts, history, safety."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wfo.dagfiles.errors import DagFileNotFound, InvalidDagFileContent, InvalidDagFileName, RevisionConflict
from wfo.dagfiles.store import DagFolder, check_name

V1 = "from airflow.sdk import DAG\n\nwith DAG('a'):\n    pass\n"
V2 = V1.replace("'a'", "'a2'")


@pytest.fixture
def folder(tmp_path: Path) -> DagFolder:
    return DagFolder(tmp_path / "dags")


def git(folder: DagFolder, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder.path, capture_output=True, text=True, check=True).stdout


def test_revision_is_the_git_blob_id_of_the_content(folder: DagFolder) -> None:
    change = folder.save("a.py", V1, None, "dev")
    hashed = subprocess.run(
        ["git", "hash-object", "--stdin"], input=V1, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert change.revision == hashed == folder.files()[0].revision
    assert (folder.path / "a.py").read_text() == V1


def test_save_commits_with_the_user_as_author_and_a_default_message(folder: DagFolder) -> None:
    first = folder.save("team/etl.py", V1, None, "dev_user")
    second = folder.save("team/etl.py", V2, first.revision, "admin", message="rename the DAG")
    assert first.commit and second.commit and first.commit != second.commit
    history = folder.history("team/etl.py")
    assert [(r.author, r.action, r.message) for r in history] == [
        ("admin", "update", "rename the DAG"),
        ("dev_user", "create", "Create team/etl.py"),
    ]
    assert history[0].revision == second.revision and history[1].revision == first.revision
    assert git(folder, "log", "-1", "--format=%an <%ae>").strip() == "admin <admin@wfo.invalid>"
    assert [f.name for f in folder.files()] == ["team/etl.py"]


def test_a_stale_base_revision_is_a_conflict_that_shows_the_other_change(folder: DagFolder) -> None:
    base = folder.save("a.py", V1, None, "alice").revision
    folder.save("a.py", V2, base, "bob")
    with pytest.raises(RevisionConflict) as caught:
        folder.save("a.py", V1 + "# mine\n", base, "alice")
    details = caught.value.details
    assert details["current_content"] == V2 and details["current_author"] == "bob"
    assert details["current_revision"] != base and details["current_time"]
    assert (folder.path / "a.py").read_text() == V2  # nothing written
    assert len(folder.history("a.py")) == 2


def test_creating_an_existing_file_is_a_conflict(folder: DagFolder) -> None:
    folder.save("a.py", V1, None, "alice")
    with pytest.raises(RevisionConflict, match="already exists"):
        folder.save("a.py", V2, None, "bob")
    assert (folder.path / "a.py").read_text() == V1


def test_saving_the_same_content_makes_no_commit(folder: DagFolder) -> None:
    first = folder.save("a.py", V1, None, "alice")
    again = folder.save("a.py", V1, first.revision, "alice")
    assert again.revision == first.revision and again.commit == first.commit
    assert len(folder.history("a.py")) == 1


def test_edits_made_by_hand_are_committed_before_a_wfo_change(folder: DagFolder) -> None:
    folder.save("a.py", V1, None, "alice")
    (folder.path / "a.py").write_text(V2)  # someone edits the folder directly
    (folder.path / "manual.py").write_text(V1)
    # The hand edit is the current revision: a save based on the old one is refused ...
    with pytest.raises(RevisionConflict) as caught:
        folder.save("a.py", V1 + "# x\n", folder.history("a.py")[0].revision, "alice")
    assert caught.value.details["current_content"] == V2
    assert caught.value.details["current_author"] == "external change"
    # ... and kept in the history as its own commit once anything is written.
    folder.save("b.py", V1, None, "bob")
    history = folder.history("a.py")
    assert [(r.author, r.message, r.action) for r in history] == [
        ("external change", "External change", "update"),
        ("alice", "Create a.py", "create"),
    ]
    assert folder.history("manual.py")[0].action == "create"
    assert git(folder, "status", "--porcelain") == ""


def test_files_present_before_the_first_save_start_the_history(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "old.py").write_text(V1)
    folder = DagFolder(tmp_path / "dags")
    folder.save("new.py", V2, None, "dev")
    assert folder.history("old.py")[0].message == "Start the history of the DAGs folder"


def test_delete_keeps_the_history_and_checks_the_base(folder: DagFolder) -> None:
    base = folder.save("a.py", V1, None, "alice").revision
    with pytest.raises(RevisionConflict):
        folder.delete("a.py", "0" * 40, "bob")
    assert (folder.path / "a.py").exists()
    folder.delete("a.py", base, "bob")
    assert not (folder.path / "a.py").exists() and folder.files() == []
    history = folder.history("a.py")
    assert [(r.action, r.author, r.revision) for r in history][0] == ("delete", "bob", None)
    assert history[0].message == "Delete a.py"
    with pytest.raises(DagFileNotFound):
        folder.delete("a.py", None, "bob")


def test_content_at_diff_and_restore_an_old_revision(folder: DagFolder) -> None:
    first = folder.save("a.py", V1, None, "alice")
    second = folder.save("a.py", V2, first.revision, "bob")
    assert first.commit and second.commit
    assert folder.content_at("a.py", first.commit) == (first.commit, V1)
    assert folder.content_at("a.py", first.commit[:10])[1] == V1
    assert folder.content_at("a.py", "HEAD") == (second.commit, V2)
    diff, before, after = folder.diff("a.py", first.commit, second.commit)
    assert before == V1 and after == V2
    assert "--- a/a.py" in diff and "-with DAG('a'):" in diff and "+with DAG('a2'):" in diff
    (folder.path / "a.py").write_text(V2 + "# unsaved\n")
    assert "+# unsaved" in folder.diff("a.py", second.commit, "working")[0]
    restored = folder.save("a.py", V1, folder.current_revision("a.py"), "carol", action="restore")
    assert (folder.path / "a.py").read_text() == V1 and restored.revision == first.revision
    assert folder.history("a.py")[0].action == "restore"


def test_unknown_commits_and_files_are_not_found(folder: DagFolder) -> None:
    first = folder.save("a.py", V1, None, "alice")
    assert first.commit
    for bad in ("deadbeef", "--output=/tmp/x", "HEAD~1", "main"):
        with pytest.raises(DagFileNotFound):
            folder.content_at("a.py", bad)
    with pytest.raises(DagFileNotFound, match="did not exist"):
        folder.content_at("b.py", first.commit)
    with pytest.raises(DagFileNotFound):
        folder.read("b.py")
    with pytest.raises(DagFileNotFound):
        folder.history("never.py")


@pytest.mark.parametrize(
    "name",
    ["../x.py", "/etc/x.py", "a.txt", ".hidden.py", "team/.git/x.py", "a\\b.py", "", "x/__pycache__/a.py"],
)
def test_bad_names_are_refused_before_anything_is_written(folder: DagFolder, name: str) -> None:
    with pytest.raises(InvalidDagFileName):
        folder.save(name, V1, None, "dev")
    assert not folder.path.exists() or folder.files() == []


def test_names_are_normalised(folder: DagFolder) -> None:
    assert check_name("./team//etl.py") == "team/etl.py"
    folder.save("./team//etl.py", V1, None, "dev")
    assert folder.read("team/etl.py")[1] == V1


def test_a_batch_is_one_commit_and_all_or_nothing(folder: DagFolder) -> None:
    folder.save("same.py", V1, None, "dev")
    folder.save("old.py", V1, None, "dev")
    result = folder.write_many(
        {"same.py": V1, "old.py": V2, "new/one.py": V1}, "dev", message="Import", action="import"
    )
    assert (result.added, result.changed, result.unchanged) == (["new/one.py"], ["old.py"], ["same.py"])
    assert folder.history("new/one.py")[0].commit == folder.history("old.py")[0].commit == result.commit
    assert folder.history("old.py")[0].action == "import"
    # A file that cannot be written (a folder has its name) refuses the whole batch.
    (folder.path / "clash.py").mkdir()
    before = git(folder, "rev-parse", "HEAD")
    with pytest.raises(InvalidDagFileName):
        folder.write_many({"fresh.py": V1, "clash.py": V1}, "dev", message="x", action="upload")
    assert not (folder.path / "fresh.py").exists() and git(folder, "rev-parse", "HEAD") == before


def test_oversized_content_is_refused_and_leaves_no_partial_file(folder: DagFolder) -> None:
    folder.save("a.py", V1, None, "dev")
    with pytest.raises(InvalidDagFileContent, match="limit"):
        folder.save("a.py", "x" * (3 * 1024 * 1024), folder.current_revision("a.py"), "dev")
    assert (folder.path / "a.py").read_text() == V1
    assert sorted(p.name for p in folder.path.iterdir()) == [".git", "a.py"]


def test_names_with_glob_characters_touch_only_their_own_file(folder: DagFolder) -> None:
    folder.save("a1.py", V1, None, "dev")
    (folder.path / "a1.py").write_text(V2)  # an uncommitted hand edit of another file
    folder.save("a[1].py", V1, None, "dev")
    # The hand edit got its own "external change" commit, not the wfo one.
    assert [r.author for r in folder.history("a1.py")] == ["external change", "dev"]
    assert [r.author for r in folder.history("a[1].py")] == ["dev"]


def test_a_new_file_copied_from_another_has_only_its_own_history(folder: DagFolder) -> None:
    first = folder.save("template.py", V1, None, "alice")
    folder.save("template.py", V2, first.revision, "alice")
    folder.save("copy.py", V2, None, "bob")
    assert [(r.author, r.action) for r in folder.history("copy.py")] == [("bob", "create")]


def test_concurrent_saves_from_the_same_base_let_exactly_one_win(folder: DagFolder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    base = folder.save("a.py", V1, None, "alice").revision

    def attempt(i: int) -> str:
        try:
            folder.save("a.py", f"{V1}# edit {i}\n", base, f"user{i}")
        except RevisionConflict:
            return "conflict"
        return "saved"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert sorted(outcomes) == ["conflict"] * 5 + ["saved"]
    assert len(folder.history("a.py")) == 2


def test_links_in_the_folder_are_never_followed(folder: DagFolder, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("SECRET = 1\n")
    folder.save("a.py", V1, None, "dev")
    (folder.path / "linked").symlink_to(outside)
    (folder.path / "alias.py").symlink_to(outside / "secret.py")
    with pytest.raises(InvalidDagFileName, match="linked folder"):
        folder.save("linked/new.py", V1, None, "dev")
    with pytest.raises(DagFileNotFound, match="symbolic link"):
        folder.read("alias.py")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.py"]
    assert [f.name for f in folder.files()] == ["a.py"]
