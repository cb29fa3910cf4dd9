"""Where personal data goes at voc's edges (walkthrough 3b): a CSV header in the quarantine, a failed run in Prefect,
source and file names, terminal escapes, e-mail for agents whose ids cannot be an address.

Real DuckDB files, real Prefect flow runs against the test API, a real local SMTP server.
"""

import json

from dbutil import crm_with_one_note, rows

from flows.nightly import nightly

PII = ("Quandtmeyer", "zq.", "0171", "5550")  # what the planted personal data below is made of


def leaks(text: str) -> list[str]:
    return [p for p in PII if p in text]


def test_a_header_holding_personal_data_is_redacted_in_every_quarantined_row_and_raw_values_lose_escapes(tmp_path):
    header = "Rückruf Frau Quandtmeyer 0171 5550199 zq.header@example.org"
    src = tmp_path / "drop.csv"
    src.write_text(f"comment_id,text,created_at,agent_id,{header}\n"
                   "c1,Rechnung doppelt abgebucht,2026-11-01 10:00,A01,\n"
                   "c2,Rechnung falsch\x07,31.02.2026,A0\x1b[31m7,\n"
                   "c3,\"Paket fehlt\x1b]8;;http://evil.example/\x1b\\\\\",gestern,A01,x\n", encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    nightly(str(src), str(db), source_name="crm")
    raws = [json.loads(r) for r, in rows(db, "SELECT raw FROM quarantine ORDER BY row_number")]
    assert len(raws) == 2
    for raw in raws:
        assert not leaks(json.dumps(raw, ensure_ascii=False)), raw
        assert "Rückruf Frau [NAME] [PHONE] [EMAIL]" in raw
        assert not any(ch in value for value in raw.values() if value for ch in "\x1b\x07"), raw
    assert raws[0]["agent_id"] == "A0[31m7" and raws[0]["text"] == "Rechnung falsch"


def test_a_failed_run_leaves_no_personal_data_in_prefect_states_storage_or_parameters(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    crm = crm_with_one_note(tmp_path / "crm.duckdb", "n1", "Drucker")
    query = "SELECT *, 'Frau Quandtmeyer zq.lit@example.org'::INTEGER AS x FROM notes"
    storage = tmp_path / "prefect-storage"
    with temporary_settings(updates={PREFECT_LOCAL_STORAGE_PATH: storage}):
        state = nightly(str(crm), str(tmp_path / "voc.duckdb"), query=query,
                        source_name="crm", return_state=True)
    assert state.is_failed()
    error, = rows(tmp_path / "voc.duckdb", "SELECT error FROM runs")[0]
    assert "Could not convert string 'Frau [NAME] [EMAIL]'" in error
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(flow_run_id)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    failed_tasks = [t for t in tasks if t.state.is_failed()]
    assert failed_tasks, [t.state for t in tasks]
    messages = [flow_run.state.message] + [t.state.message for t in failed_tasks]
    assert all("Frau [NAME] [EMAIL]" in m for m in messages), messages
    assert not leaks(json.dumps(messages)), messages
    assert flow_run.parameters["query"] == "SELECT *, 'Frau [NAME] [EMAIL]'::INTEGER AS x FROM notes"
    assert not leaks(json.dumps(flow_run.parameters)), flow_run.parameters
    kept = [p for p in storage.rglob("*") if p.is_file()] if storage.exists() else []
    assert not kept, kept  # a pickled exception per failure


UNADDRESSABLE = ("../../etc/passwd", "<b>A0</b>", "<b>A1</b>")  # accepted by ingest, sorted before every A.. id


def test_agents_whose_ids_make_no_address_fail_their_own_digest_and_e_mail_goes_on_for_the_others(store_copy,
                                                                                                   smtp_server):
    from voc import store
    from voc.agents import notify
    from voc.pm import workflow

    port, received = smtp_server
    with store.open(store_copy, write=True) as con:
        theme, = con.execute("SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1").fetchone()
        workflow.update(con, theme, "anna", note="Looking into it")
        agents = [a for a, in con.execute("SELECT DISTINCT agent_id FROM outbox ORDER BY agent_id").fetchall()]
        for bad, agent in zip(UNADDRESSABLE, agents):
            con.execute("UPDATE outbox SET agent_id = ? WHERE agent_id = ?", [bad, agent])
    assert len(agents) > len(UNADDRESSABLE) + 1
    channels = notify.Channels(smtp_host="127.0.0.1", smtp_port=port, address="{agent_id}@cc.example",
                               sender="voc@cc.example", attempts=1)
    email = notify.deliver(lambda: store.open(store_copy, write=True), channels)["email"]
    assert email["digests_failed"] == len(UNADDRESSABLE) and email["digests_deferred"] == 0, email
    assert email["digests_sent"] == len(agents) - len(UNADDRESSABLE) == len(received), email
    assert all("cannot be used in an e-mail address" in e for e in email["errors"]), email


def voc(*args):
    from typer.testing import CliRunner

    from flows.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_a_source_name_holding_personal_data_is_refused_before_a_run(tmp_path):
    src = tmp_path / "drop.csv"
    src.write_text("comment_id,text,created_at,agent_id\nc1,Drucker,2026-11-01 10:00,A01\n", encoding="utf-8")
    for name in ("crm Frau Quandtmeyer", "crm zq.src@example.org", "crm 0171 5550123", "crm-Kundin-Quandtmeyer",
                 "Zoltan_Quandtmeyer"):
        result = voc("run", "--source", src, "--source-name", name, "--db", tmp_path / "voc.duckdb")
        assert result.exit_code == 2 and "--source-name holds personal data" in result.output, result.output
        assert not leaks(result.output), result.output
    assert not (tmp_path / "voc.duckdb").exists()


def test_file_and_source_names_are_stored_and_shown_redacted_and_without_terminal_escapes(tmp_path):
    folder = tmp_path / "Frau Quandtmeyer drops"
    folder.mkdir()
    rows_ = "comment_id,text,created_at,agent_id\nc{0},Drucker druckt nicht,2026-11-01 10:00,A01\nq{0},hallo,gestern,A01\n"
    named = folder / "Kunde_Quandtmeyer_zq.file@example.org.csv"
    named.write_text(rows_.format(1), encoding="utf-8")
    (folder / "x\x1b[31mRED.csv").write_text(rows_.format(2), encoding="utf-8")
    osc8 = "crm\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
    db = tmp_path / "voc.duckdb"
    result = voc("run", "--source", folder, "--source-name", osc8, "--db", db)
    assert result.exit_code == 0, result.output
    import hashlib

    digest = hashlib.sha256(named.read_bytes()).hexdigest()[:8]
    stored = json.dumps([rows(db, "SELECT source, file_name FROM imports ORDER BY file_name"),
                         rows(db, "SELECT source, reason, raw FROM quarantine ORDER BY reason"),
                         rows(db, "SELECT DISTINCT source FROM comments"), rows(db, "SELECT source FROM runs")],
                        ensure_ascii=False)
    shown = voc("quarantine", "--db", db).output
    for text in (stored, shown, result.output):
        assert not leaks(text) and "\x1b" not in text and "\\u001b" not in text, text
    assert f"[EMAIL]~{digest}.csv line 3" in stored and "x[31mRED.csv line 3" in stored, stored
    assert f"[EMAIL]~{digest}.csv line 3" in shown, shown


def test_a_file_named_after_a_customer_is_shown_as_name_placeholder_in_quarantine_and_errors(tmp_path):
    """Per-customer exports ("Kunde_Quandtmeyer.csv"): redaction reads words, a file's name is parts joined by `_`."""
    import hashlib

    folder = tmp_path / "drops"
    folder.mkdir()
    named = folder / "Kunde_Quandtmeyer.csv"
    named.write_text("comment_id,text,created_at,agent_id\nc1,Drucker druckt nicht,2026-11-01 10:00,A01\n"
                     "c2,,2026-11-01 10:00,A01\n", encoding="utf-8")
    kept = folder / "Kundenstimmen_Hamburg.csv"  # a place, not a person: stays readable
    kept.write_text("comment_id,text,created_at,agent_id\nk1,Paket fehlt,2026-11-01 10:00,A01\nk2,,gestern,A01\n",
                    encoding="utf-8")
    db = tmp_path / "voc.duckdb"
    result = voc("run", "--source", folder, "--source-name", "crm", "--db", db)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(named.read_bytes()).hexdigest()[:8]
    reasons = [r for r, in rows(db, "SELECT reason FROM quarantine ORDER BY reason")]
    shown = voc("quarantine", "--db", db).output + voc("runs", "--db", db).output
    for text in (json.dumps(reasons, ensure_ascii=False), shown, result.output):
        assert not leaks(text), text
    assert any(r.startswith(f"[NAME]~{digest}.csv line 3") for r in reasons), reasons
    assert any(r.startswith("Kundenstimmen_Hamburg.csv line 3") for r in reasons), reasons
    empty = tmp_path / "Anna_Quandtmeyer.csv"
    empty.write_text("", encoding="utf-8")
    refused = voc("run", "--source", empty, "--db", tmp_path / "other.duckdb")
    assert refused.exit_code == 2 and "[NAME].csv is empty" in refused.output and not leaks(refused.output), \
        refused.output
