"""Where personal data goes at voc's edges (walkthrough 3b): a CSV header in the quarantine, a failed run in Prefect,
source and file names, terminal escapes, e-mail for agents whose ids cannot be an address.

Real DuckDB files, real Prefect flow runs against the test API, a real local SMTP server.
"""

import json

import duckdb
import pytest
from dbutil import rows

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


def failed_query_source(tmp_path):
    crm = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(crm))
    con.execute("CREATE TABLE notes AS SELECT 'n1' AS comment_id, 'Drucker' AS text, "
                "TIMESTAMP '2026-11-01 10:00' AS created_at, 'A01' AS agent_id")
    con.close()
    return crm


def test_a_failed_run_leaves_no_personal_data_in_prefect_states_storage_or_parameters(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    crm = failed_query_source(tmp_path)
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
