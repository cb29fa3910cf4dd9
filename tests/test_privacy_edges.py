"""Where personal data goes at voc's edges (walkthrough 3b): a CSV header in the quarantine, a failed run in Prefect,
source and file names, terminal escapes, e-mail for agents whose ids cannot be an address.

Real DuckDB files, real Prefect flow runs against the test API, a real local SMTP server.
"""

import json

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
