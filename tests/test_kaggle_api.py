"""common.kaggle against a local Kaggle-compatible server, over real HTTP.

Nothing of the kit is mocked: the real kagglesdk client talks to tests/support/kaggle_server.py
on 127.0.0.1. Retries use a tiny backoff base so the whole file runs in a few seconds.
"""

import json
import os
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from common import kaggle
from common.core.errors import KaggleError
from common.kaggle import credentials
from tests.support.kaggle_server import fake_kaggle, make_zip  # noqa: F401 (fixture)

FAST = {"retry_base_s": 0.01}
ZIP = make_zip({"train.csv": "id,y\n1,0\n2,1\n", "test.csv": "id\n3\n",
                "sample_submission.csv": "id,y\n3,0\n"})


@pytest.fixture
def server(fake_kaggle):  # noqa: F811
    fake_kaggle.competitions["titanic"] = ZIP
    return fake_kaggle


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "raw"


def files_in(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---- download -------------------------------------------------------------------------------


def test_download_is_byte_identical(server, dest):
    path = kaggle.download_competition_zip("titanic", dest, **FAST)
    assert path == dest / "titanic.zip"
    assert path.read_bytes() == ZIP
    assert zipfile.ZipFile(path).namelist() == ["train.csv", "test.csv", "sample_submission.csv"]
    assert files_in(dest) == ["titanic.zip"]
    rpc = server.calls("DownloadDataFiles")[0]
    assert rpc.body == {"competitionName": "titanic"}
    assert rpc.authorization.startswith("Basic ")


def test_download_replaces_an_older_zip(server, dest):
    dest.mkdir()
    (dest / "titanic.zip").write_bytes(b"old")
    kaggle.download_competition_zip("titanic", dest, **FAST)
    assert (dest / "titanic.zip").read_bytes() == ZIP


def test_unknown_competition_says_check_the_slug(server, dest):
    with pytest.raises(KaggleError, match="no competition 'titanc'.*Check the slug"):
        kaggle.download_competition_zip("titanc", dest, **FAST)
    assert files_in(dest) == []
    assert len(server.calls("DownloadDataFiles")) == 1  # not retried


def test_wrong_credentials_say_recreate_the_token(server, dest, monkeypatch):
    monkeypatch.setenv("KAGGLE_KEY", "wrong")
    with pytest.raises(KaggleError) as info:
        kaggle.download_competition_zip("titanic", dest, **FAST)
    message = str(info.value)
    assert "401" in message and "KAGGLE_USERNAME / KAGGLE_KEY" in message
    assert "https://www.kaggle.com/settings" in message and "Create New Token" in message
    assert files_in(dest) == []


def test_rules_not_accepted_points_to_the_rules_page(server, dest):
    server.fail("403")
    with pytest.raises(KaggleError) as info:
        kaggle.download_competition_zip("titanic", dest, **FAST)
    message = str(info.value)
    assert "https://www.kaggle.com/competitions/titanic/rules" in message
    assert "accept" in message
    assert files_in(dest) == []


def test_server_errors_are_retried(server, dest):
    server.fail("500", times=2, on="DownloadDataFiles")
    path = kaggle.download_competition_zip("titanic", dest, **FAST)
    assert path.read_bytes() == ZIP
    assert len(server.calls("DownloadDataFiles")) == 3


def test_persistent_server_errors_stop_after_bounded_tries(server, dest):
    server.fail("500")
    with pytest.raises(KaggleError, match=r"after 4 tries.*HTTP 500: Internal Server Error"):
        kaggle.download_competition_zip("titanic", dest, **FAST)
    assert len(server.calls("DownloadDataFiles")) == 4
    assert files_in(dest) == []


def test_dropped_connections_are_retried(server, dest):
    server.fail("drop", times=2)
    path = kaggle.download_competition_zip("titanic", dest, **FAST)
    assert path.read_bytes() == ZIP
    assert len(server.calls("DownloadDataFiles")) == 3


def test_truncated_body_is_retried_and_never_kept(server, dest):
    server.fail("truncate", times=1)
    assert kaggle.download_competition_zip("titanic", dest, **FAST).read_bytes() == ZIP
    assert len(server.calls("storage")) == 2

    server.fail("truncate")
    with pytest.raises(KaggleError, match="after 2 tries"):
        kaggle.download_competition_zip("titanic", dest / "again", tries=2, **FAST)
    assert files_in(dest / "again") == []


def test_unreachable_server_fails_with_the_cause(server, dest, monkeypatch):
    import socket

    with socket.socket() as probe:  # a port that nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("KIT_KAGGLE_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(KaggleError, match="after 2 tries.*ConnectionError.*internet connection"):
        kaggle.download_competition_zip("titanic", dest, tries=2, **FAST)
    assert files_in(dest) == []


def test_not_a_slug_is_refused_before_any_request(server, dest):
    with pytest.raises(KaggleError, match="not a competition slug"):
        kaggle.download_competition_zip("https://www.kaggle.com/competitions/titanic", dest)
    assert server.requests == []


# ---- submit, list, wait ---------------------------------------------------------------------


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "submission.csv"
    path.write_bytes(b"PassengerId,Survived\n892,0\n893,1\n")
    return path


def test_submit_uploads_the_exact_bytes_and_message(server, csv_file):
    result = kaggle.submit("titanic", csv_file, "lgbm cv=0.8312", **FAST)
    assert result["status"] == "pending" and result["ref"] > 0
    [submission] = server.submissions
    assert submission.data == csv_file.read_bytes()
    assert submission.description == "lgbm cv=0.8312"
    assert submission.file_name == "submission.csv"
    assert submission.ref == result["ref"]
    start = server.calls("StartSubmissionUpload")[0].body
    assert start["contentLength"] == csv_file.stat().st_size
    assert server.calls("upload")[0].body == csv_file.read_bytes()


def test_list_and_wait_for_score(server, csv_file):
    server.polls_to_complete = 3
    server.public_score = 0.77511
    ref = kaggle.submit("titanic", csv_file, "first", **FAST)["ref"]

    [row] = kaggle.list_submissions("titanic", **FAST)
    assert row["ref"] == ref and row["status"] == "pending"
    assert row["description"] == "first" and row["file_name"] == "submission.csv"
    assert row["public_score"] is None and row["private_score"] is None
    assert datetime.fromisoformat(row["date"]) > datetime.now(timezone.utc) - timedelta(minutes=5)

    scored = kaggle.wait_for_score("titanic", ref, timeout_s=5, poll_s=0.01, **FAST)
    assert scored["status"] == "complete" and scored["public_score"] == pytest.approx(0.77511)
    assert len(server.calls("GetSubmission")) == 3
    assert kaggle.list_submissions("titanic")[0]["public_score"] == pytest.approx(0.77511)


def test_list_follows_pages_newest_first(server, csv_file):
    server.page_size = 2
    refs = [kaggle.submit("titanic", csv_file, f"sub {i}", **FAST)["ref"] for i in range(5)]
    rows = kaggle.list_submissions("titanic", **FAST)
    assert [r["ref"] for r in rows] == refs[::-1]
    assert len(server.calls("ListSubmissions")) == 3


def test_wait_returns_a_scoring_error(server, csv_file):
    server.scoring_error = "Submission must have 418 rows"
    ref = kaggle.submit("titanic", csv_file, "bad", **FAST)["ref"]
    scored = kaggle.wait_for_score("titanic", ref, timeout_s=5, poll_s=0.01)
    assert scored["status"] == "error"
    assert scored["error_description"] == "Submission must have 418 rows"


def test_wait_times_out_with_a_clear_message(server, csv_file):
    server.polls_to_complete = 10**6
    ref = kaggle.submit("titanic", csv_file, "slow", **FAST)["ref"]
    with pytest.raises(KaggleError, match=f"submission {ref} to 'titanic' was still pending"):
        kaggle.wait_for_score("titanic", ref, timeout_s=0.2, poll_s=0.05)


def test_daily_limit_says_when_it_resets(server, csv_file):
    server.fail("daily_limit")
    with pytest.raises(KaggleError) as info:
        kaggle.submit("titanic", csv_file, "one too many", **FAST)
    message = str(info.value)
    assert "daily" in message.lower() and "midnight UTC" in message
    assert len(server.calls("CreateSubmission")) == 1  # not retried
    assert server.submissions == []


def test_submit_retries_server_errors_in_every_step(server, csv_file):
    server.fail("503", times=1, on="StartSubmissionUpload")
    server.fail("500", times=1, on="upload")
    server.fail("500", times=1, on="CreateSubmission")
    kaggle.submit("titanic", csv_file, "flaky", **FAST)
    assert len(server.submissions) == 1
    assert len(server.calls("CreateSubmission")) == 2


def test_submit_does_not_resend_when_the_create_answer_is_lost(server, csv_file):
    server.fail("drop", times=1, on="CreateSubmission")
    with pytest.raises(KaggleError, match="may have recorded the submission.*submissions"):
        kaggle.submit("titanic", csv_file, "lost answer", **FAST)
    assert len(server.calls("CreateSubmission")) == 1


def test_submit_to_unaccepted_rules(server, csv_file):
    server.fail("403", on="StartSubmissionUpload")
    with pytest.raises(KaggleError, match="competitions/titanic/rules"):
        kaggle.submit("titanic", csv_file, "x", **FAST)


def test_submit_missing_file(server, tmp_path):
    with pytest.raises(KaggleError, match="no such file"):
        kaggle.submit("titanic", tmp_path / "nope.csv", "x")
    assert server.requests == []


# ---- credentials ----------------------------------------------------------------------------


def test_no_credentials_gives_instructions_without_network(server, dest, tmp_path, monkeypatch):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(empty))
    with pytest.raises(KaggleError) as info:
        kaggle.download_competition_zip("titanic", dest)
    message = str(info.value)
    assert str(empty / "kaggle.json") in message and "chmod 600" in message
    assert "KAGGLE_USERNAME" in message and "KAGGLE_KEY" in message
    assert "https://www.kaggle.com/settings" in message and "Create New Token" in message
    assert server.requests == []
    assert files_in(dest) == []


def test_kaggle_json_in_config_dir(server, dest, tmp_path, monkeypatch):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "kaggle.json").write_text(json.dumps({"username": server.username,
                                                    "key": server.key}))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(config))
    assert kaggle.download_competition_zip("titanic", dest).read_bytes() == ZIP


def test_kaggle_json_in_home(server, dest, monkeypatch):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    folder = credentials._home() / ".kaggle"
    folder.mkdir()
    (folder / "kaggle.json").write_text(json.dumps({"username": server.username,
                                                    "key": "stale"}))
    with pytest.raises(KaggleError) as info:
        kaggle.download_competition_zip("titanic", dest, **FAST)
    assert str(folder / "kaggle.json") in str(info.value) and "HTTP 401" in str(info.value)


def test_incomplete_credentials(server, dest, monkeypatch):
    monkeypatch.delenv("KAGGLE_KEY")
    with pytest.raises(KaggleError, match="KAGGLE_KEY.*missing"):
        kaggle.download_competition_zip("titanic", dest)
    assert server.requests == []


SECRET = "s3cr3t-key-value"


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """An empty KAGGLE_CONFIG_DIR, with neither KAGGLE_USERNAME nor KAGGLE_KEY set."""
    monkeypatch.delenv("KAGGLE_USERNAME", raising=False)
    monkeypatch.delenv("KAGGLE_KEY", raising=False)
    folder = tmp_path / "cfg"
    folder.mkdir()
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(folder))
    return folder


@pytest.mark.parametrize("content, problem", [
    ("[]", "holds a JSON list, not an object"),
    (json.dumps(["a", SECRET]), "holds a JSON list, not an object"),
    (json.dumps(SECRET), "holds a JSON string, not an object"),
    ("42", "holds a JSON number, not an object"),
    ("null", "holds JSON null, not an object"),
    ("", "is empty"),
    ('{"username": "kit-tester", "key": "' + SECRET + '",}', "is not valid JSON: "
     "Expecting property name enclosed in double quotes at line 1, column"),
    ('{"username": "kit-tester",\n "key": ' + SECRET + '}', "is not valid JSON: "
     "Expecting value at line 2, column 9"),
    ("{}", "has no 'username' and has no 'key' (and KAGGLE_USERNAME and KAGGLE_KEY are not set)"),
    (json.dumps({"username": "kit-tester"}), "has no 'key' (and KAGGLE_KEY is not set)"),
    (json.dumps({"key": SECRET}), "has no 'username' (and KAGGLE_USERNAME is not set)"),
    (json.dumps({"username": "kit-tester", "key": ""}), "has an empty 'key'"),
    (json.dumps({"username": " ", "key": SECRET}), "has an empty 'username'"),
    (json.dumps({"username": "kit-tester", "key": 12345}), "has a 'key' that is a JSON number, not a string"),
    (json.dumps({"username": ["kit-tester"], "key": SECRET}),
     "has a 'username' that is a JSON list, not a string"),
    (json.dumps({"username": "kit-tester", "key": None}), "has a 'key' that is JSON null, not a string"),
], ids=["empty-list", "list", "string", "number", "null", "empty-file", "trailing-comma",
        "unquoted-key", "empty-object", "no-key", "no-username", "empty-key", "blank-username",
        "numeric-key", "list-username", "null-key"])
def test_bad_kaggle_json_says_what_is_wrong(server, dest, config_dir, content, problem):
    path = config_dir / "kaggle.json"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(KaggleError) as info:
        kaggle.download_competition_zip("titanic", dest)
    message = str(info.value)
    assert f"the Kaggle API key file {path} {problem}" in message
    assert "no Kaggle credentials found" not in message
    assert '{"username": "...", "key": "..."}' in message
    assert "https://www.kaggle.com/settings -> API -> Create New Token" in message
    assert SECRET not in message and "12345" not in message
    assert server.requests == []


def test_kaggle_json_fields_the_environment_gives_need_not_be_in_it(server, dest, config_dir,
                                                                   monkeypatch):
    (config_dir / "kaggle.json").write_text(json.dumps({"username": server.username}))
    monkeypatch.setenv("KAGGLE_KEY", server.key)
    assert kaggle.download_competition_zip("titanic", dest).read_bytes() == ZIP


def test_kaggle_json_lacking_what_the_environment_lacks(server, dest, config_dir, monkeypatch):
    path = config_dir / "kaggle.json"
    path.write_text(json.dumps({"key": SECRET}))
    monkeypatch.setenv("KAGGLE_KEY", "from-env")
    with pytest.raises(KaggleError) as info:
        kaggle.download_competition_zip("titanic", dest)
    message = str(info.value)
    assert f"{path} has no 'username' (and KAGGLE_USERNAME is not set)" in message
    assert SECRET not in message and "from-env" not in message


def test_kaggle_json_is_not_read_when_the_environment_gives_both(server, dest, config_dir,
                                                                  monkeypatch):
    (config_dir / "kaggle.json").write_text("[]")  # as kaggle 2.2.5: the file is not opened
    monkeypatch.setenv("KAGGLE_USERNAME", server.username)
    monkeypatch.setenv("KAGGLE_KEY", server.key)
    assert kaggle.download_competition_zip("titanic", dest).read_bytes() == ZIP


def test_access_token_from_environment(server, dest, monkeypatch):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    server.tokens.add("KGAT_test_token")
    monkeypatch.setenv("KAGGLE_API_TOKEN", "KGAT_test_token")
    assert kaggle.download_competition_zip("titanic", dest).read_bytes() == ZIP
    assert server.calls("DownloadDataFiles")[0].authorization == "Bearer KGAT_test_token"


def test_oauth_login_with_a_valid_access_token(server, dest, monkeypatch):
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    server.tokens.add("oauth-access")
    folder = credentials._home() / ".kaggle"
    folder.mkdir()
    expires = (datetime.now(timezone.utc) + timedelta(hours=6)).isoformat()
    (folder / "credentials.json").write_text(json.dumps({
        "refresh_token": "refresh", "access_token": "oauth-access",
        "access_token_expiration": expires, "username": "kit-tester", "scopes": []}))
    assert kaggle.download_competition_zip("titanic", dest).read_bytes() == ZIP
    assert server.calls("DownloadDataFiles")[0].authorization == "Bearer oauth-access"


def test_import_is_cheap_and_reads_no_environment():
    import subprocess
    import sys

    code = ("import os, sys; os.environ.clear(); import common.kaggle; "
            "print(any(m.startswith(('kaggle', 'requests')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
