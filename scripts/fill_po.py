"""Fill empty msgstr entries of a .po file from a JSON dictionary {msgid: msgstr}.

Used to maintain the hand-written Persian translations: `python scripts/fill_po.py
locale/fa/LC_MESSAGES/django.po translations.json`. Existing translations are kept.
"""

import json
import re
import sys
from pathlib import Path


def unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def fill(po_path: Path, table: dict[str, str]) -> int:
    text = po_path.read_text(encoding="utf-8")
    entry = re.compile(r'(msgid ((?:"(?:[^"\\]|\\.)*"\s*)+))msgstr ""\n(?!")', re.M)
    filled = 0

    def replace(match: re.Match) -> str:
        nonlocal filled
        msgid = unquote(match.group(2))
        if msgid and msgid in table:
            filled += 1
            return f"{match.group(1)}msgstr {json.dumps(table[msgid], ensure_ascii=False)}\n"
        return match.group(0)

    text = entry.sub(replace, text)
    text = text.replace("#, fuzzy\n", "", 1)
    po_path.write_text(text, encoding="utf-8")
    return filled


if __name__ == "__main__":
    po, table = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    print(f"{fill(po, table)} entries filled")
