"""What people wrote, escaped for the chat tools a webhook's digest reaches and for Jira (review F11).

Each escaper is read back the way its medium reads it: the chat text by a CommonMark parser (markdown-it-py, what
Markdown chat tools follow) and by Slack's documented rules (only `&`, `<`, `>` are control characters; `*`, `_`,
`~`, backtick format), the Jira Description by Jira's text formatting notation (`\\X` escapes a special character,
`\\\\` is a line break, `&...;` an entity). Then end to end: a webhook and an SMTP server on this machine, a Jira CSV
written by `voc handoff`.
"""

import csv
import html
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.test_loop import Webhook
from voc import store
from voc.agents import notify
from voc.pm import handoff, workflow
from voc.text.escape import JIRA_SPECIAL, ZERO_WIDTH_SPACE, chat, jira, markdown, one_line, without_controls

FAST = settings(max_examples=300, deadline=None)
# Text made mostly of what Markdown, Slack, Jira and HTML read as syntax, with line breaks and indentation.
MARKUP = st.lists(st.one_of(st.sampled_from(list("\\`*_~[]()|<>&!#+-=.:;{}^?%@/ \t\n\r") + [
    "1.", "2)", "&amp;", "&#92;", "javascript:", "https://evil.example", "<!channel>", "{color:red}", "    ", "---",
    "```", "@channel", "**", "a", "b", "Z", "ü", "\u200b", "\x1b"]), st.characters()), max_size=30).map("".join)
COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])  # GFM's tables and ~~strike~~ too
PLAIN_BLOCKS = {"paragraph_open", "paragraph_close", "inline"}
PLAIN_INLINE = {"text", "softbreak", "hardbreak"}
QUOTE = frozenset({"blockquote_open", "blockquote_close"})  # the handoff's "> {quote}"
LIST = frozenset({"bullet_list_open", "bullet_list_close", "list_item_open", "list_item_close"})  # "- PM note: ..."
SLACK_ENTITIES = ("&amp;", "&lt;", "&gt;")  # the only escapes Slack's formatting reference has
SLACK_FORMATTING = "*_~`"


def shown_by_commonmark(text: str, frame: frozenset = frozenset()) -> str:
    """What a Markdown renderer shows of `text`, refusing anything but paragraphs of plain text (and the blocks of
    `frame`, which voc writes around a value): no emphasis, link, code, HTML, list, heading, quote, table or rule."""
    shown = []
    for token in COMMONMARK.parse(text):
        assert token.type in PLAIN_BLOCKS | frame, (token.type, text)
        for child in token.children or []:
            assert child.type in PLAIN_INLINE, (child.type, text)
            shown.append(child.content if child.type == "text" else "\n")
        shown.append("\n")
    return "".join(shown)


def as_words(text: str) -> str:
    """Text compared word by word: the renderer joins lines and drops indentation, a zero-width space is invisible."""
    return " ".join(without_controls(text).replace(ZERO_WIDTH_SPACE, "").split())


def shown_by_slack(text: str) -> str:
    """What Slack shows of `text`, read back: no `<...>` (a link, a mention such as <!channel>), no raw `&`, no
    formatting character without the backslash before it that keeps it from opening or closing bold, italics, strike
    or code. Slack shows those backslashes (it has no escape character); read back, each escapes the next character."""
    assert "<" not in text and ">" not in text, text
    assert all(text.startswith(SLACK_ENTITIES, m.start()) for m in re.finditer("&", text)), text
    for m in re.finditer(f"[{re.escape(SLACK_FORMATTING)}]", text):
        assert text[m.start() - 1:m.start()] == "\\", text
    return html.unescape(re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL))


def shown_by_jira(text: str) -> str:
    """What Jira shows of a Description's text, refusing markup: every special character escaped, no line break."""
    shown, i = [], 0
    while i < len(text):
        entity = re.match(r"&(#?\w+);", text[i:])
        if entity:
            assert entity.group(0) in ("&amp;", "&#92;"), text  # an entity voc wrote, not one a comment held
            shown.append(html.unescape(entity.group(0)))
            i += entity.end()
        elif text[i] == "\\":
            assert text[i + 1:i + 2] and text[i + 1] in JIRA_SPECIAL, text  # an escape, never "\\\\" (a line break)
            shown.append(text[i + 1])
            i += 2
        else:
            assert text[i] not in JIRA_SPECIAL and text[i] != "\n", text
            shown.append(text[i])
            i += 1
    return "".join(shown)


@settings(max_examples=300, deadline=None)
@given(MARKUP)
@example("**bold** [link](javascript:alert(1)) <b>x</b>")
@example("Fix shipped\n- step one\n1. two\n    code\n> quote\n===\n# heading")
@example("| a | b |\n| --- | --- |\n| 1 | 2 |")
def test_the_chat_text_reads_as_written_in_markdown_and_in_slack(text):
    escaped = chat(text)
    assert as_words(shown_by_commonmark(escaped)) == as_words(text)
    assert shown_by_slack(escaped).replace(ZERO_WIDTH_SPACE, "") == as_lines(text).replace(ZERO_WIDTH_SPACE, "")
    assert escaped.count("\n") == as_lines(text).count("\n")  # a note keeps its lines


def as_lines(text: str) -> str:
    """`text` as `chat` keeps it apart from escaping: its lines, each without indentation, backslashes aside."""
    lines = without_controls(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(re.sub(r"^[ \t]+", "", line) for line in lines)


@given(MARKUP)
@example("<!channel> <https://evil.example|Fix shipped> @here")
def test_a_chat_mention_notifies_nobody(text):
    """Slack's <!channel> and the @channel, @here, @all of Mattermost and Discord reach no one from a note."""
    escaped = chat(text)
    assert "<!" not in escaped and not re.search(r"@\w", escaped), escaped


@settings(max_examples=300, deadline=None)
@given(MARKUP)
@example("- 1. x")
@example("> - Kunde sagt: **sofort**")
def test_the_handoff_markdown_reads_as_written(text):
    """One line of plain text, also where a value opens a line's content (a quote: "> {value}"). Values reach it
    without control characters (removed where they come in)."""
    text = without_controls(text)
    escaped = markdown(text)
    assert "\n" not in escaped
    for line, frame in ((escaped, frozenset()), (f"> {escaped}", QUOTE), (f"- PM note: {escaped}", LIST)):
        assert as_words(shown_by_commonmark(line, frame)).endswith(as_words(text)), line


@settings(max_examples=300, deadline=None)
@given(MARKUP)
@example("[Verify here|https://evil.example] {color:red}Fix shipped{color}")
@example("C:\\Users\\kunde\\*x* \\\\ &copy; A & B &#92;")
def test_the_jira_description_reads_as_written(text):
    assert shown_by_jira(jira(text)) == one_line(text)


def test_a_webhook_digest_is_escaped_for_chat_and_the_e_mail_is_as_written(store_copy, smtp_server):
    """The note and the theme's name as a PM typed them: in the webhook's text neither formats, links nor mentions;
    the e-mail (plain text) and the webhook's items (data) carry them as written."""
    port, received = smtp_server
    note = "**bold** [link](javascript:alert(1)) <b>x</b>\n- <!channel> <https://evil.example|Fix shipped>"
    name = "Login _fails_ @here"
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        workflow.update(con, theme, "pm.anna", status="planned", note=note, name=name)
    hook = Webhook()
    try:
        notify.deliver(lambda: store.open(store_copy, write=True), notify.Channels(
            webhook_url=hook.url, smtp_host="127.0.0.1", smtp_port=port, address="{agent_id}@cc.example"))
    finally:
        hook.close()
    assert hook.accepted and len(received) == len(hook.accepted)
    for digest in hook.accepted:
        text = digest["text"]
        assert "\\*\\*bold\\*\\* \\[link\\](javascript:alert(1)) &lt;b&gt;x&lt;/b&gt;" in text, text
        assert "\n  \\- &lt;!channel&gt; &lt;https://evil.example\\|Fix shipped&gt;" in text, text
        quotes = {"en": "“{}”", "de": "„{}“"}[digest["language"]]  # the language's quotation marks
        assert quotes.format(f"Login \\_fails\\_ @{ZERO_WIDTH_SPACE}here") in text, text
        shown_by_commonmark(text.split("\n", 1)[1], LIST)  # the list of changes renders as a list of plain text
        assert [(i["theme"], i["note"]) for i in digest["items"]] == [(name, note)]  # data, as stored
    for mail in received:
        body = mail.get_payload(decode=True).decode().replace("\r\n", "\n")
        assert (f"“{name}”" in body or f"„{name}“" in body) and note.replace("\n", "\n  ") in body, body


def test_the_jira_description_shows_wiki_markup_in_comments_and_sub_themes_as_typed(store_copy, tmp_path):
    """A comment holding Jira wiki markup (a disguised link, a colour) and a sub-theme named with it are escaped in
    the Description; the Summary (plain text in Jira) shows the name as typed and stays formula-safe."""
    link, colour = "[Verify here|https://evil.example]", "{color:red}Fix shipped{color}"
    with store.open(store_copy, write=True) as con:
        theme = store.scalar(con, "SELECT theme_id FROM current_themes ORDER BY rank LIMIT 1")
        workflow.update(con, theme, "pm.anna", owner="payments", name="-Login *fails*")
        con.execute("UPDATE themes SET representatives = [?, ?] WHERE theme_id = ?",
                    [f"Kunde: {link}", f"{colour} \\\\ danach", theme])
        con.execute("UPDATE subthemes SET title = ? WHERE theme_id = ? AND subtheme_id = (SELECT min(subtheme_id) "
                    "FROM current_subthemes WHERE theme_id = ?)", ["_Zahlung_ !bild.png!", theme, theme])
        files = handoff.write_handoff(con, tmp_path / "h", "payments", store_copy)
    summary, description = next(r for r in csv.reader(files.jira.open(encoding="utf-8"))
                                if r[3] == f"voc-theme-{theme}")[:2]
    assert summary == f"[voc #{theme}] -Login *fails*"
    assert "* Kunde: \\[Verify here\\|https://evil.example\\]" in description, description
    assert "* \\{color:red\\}Fix shipped\\{color\\} &#92;&#92; danach" in description, description
    assert "\\_Zahlung\\_ \\!bild.png\\! \\(" in description, description
    quotes = [line[2:] for line in description.splitlines() if line.startswith("* ")]
    assert [shown_by_jira(q) for q in quotes] == [f"Kunde: {link}", f"{colour} \\\\ danach"]
    cells = [cell for row in csv.reader(files.jira.open(encoding="utf-8")) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]  # still formula-safe


def test_a_merges_other_theme_is_escaped_in_the_chat_text_and_kept_as_written_in_the_items():
    """The theme a merge took in is named in the digest's line: escaped like every name there."""
    item = {"notification_id": 1, "agent_id": "A07", "theme_id": 20, "theme": "Login", "kind": "merge",
            "from_status": None, "to_status": "planned", "note": None, "reason": None, "changed_at": None,
            "other_theme_id": 21, "other_theme": "<!channel> *Passwort*"}
    payload = notify.digest("A07", [item])
    assert '#21 “&lt;!channel&gt; \\*Passwort\\*” (status: planned)' in payload["text"], payload["text"]
    assert payload["items"][0]["what"] == 'took in the comments of #21 “<!channel> *Passwort*” (status: planned)'
