"""Pre-generate POST bodies for wrk, each carrying a distinct, validly signed sid.

Writes ``<prefix>.<t>.tsv`` for t = 1..threads, one request per line:
``path<TAB>urlencoded body<TAB>submission uuid<TAB>number of answers the body carries``.
wrk thread t reads file t and sends its lines in order, so "the first k lines of each file"
is exactly the set of sids that were sent (bench/verify_rows.py relies on this).

Tokens are signed with app.collection.service.SubmissionSigner and SIPAS_SECRET_KEY, the same
signer and key the server under test uses.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import time
from urllib.parse import urlencode

from itsdangerous import URLSafeTimedSerializer

from app.collection.service import SubmissionSigner

COUNTERS = [
    "SH-TTHCC-TP",
    "SH-TTHCC-XD",
    "SH-TTHCC-NNMT",
    "SH-ANBINH-MC",
    "SH-HOALAC-MC",
    "SH-TANTIEN-MC",
]
CRITERIA = [
    *(f"ACC{i}" for i in range(1, 4)),
    *(f"PRO{i}" for i in range(1, 5)),
    *(f"OFF{i}" for i in range(1, 4)),
    *(f"RES{i}" for i in range(1, 4)),
    *(f"FBK{i}" for i in range(1, 4)),
]
FIELDS = ["land", "civil_status", "certification", "construction", "business", "other"]
GENDERS = ["male", "female"]
AGES = ["18_24", "25_34", "35_49", "50_60", "over_60"]
COMMENTS = [
    "Cán bộ hướng dẫn nhiệt tình, thủ tục nhanh.",
    "Phải chờ hơi lâu, đề nghị thêm ghế ngồi.",
    "Rất hài lòng.",
]


def body_for(rng: random.Random, token: str) -> tuple[str, int]:
    pairs: list[tuple[str, str]] = [("sid", token), ("lang", "vi"), ("field", rng.choice(FIELDS))]
    answers = 1
    for code in CRITERIA:
        if code.startswith("FBK") and rng.random() < 0.3:
            pairs.append((code, "na"))
        else:
            pairs.append((code, str(rng.choice((2, 3, 4, 4, 5, 5)))))
        answers += 1
    if rng.random() < 0.9:
        pairs.append(("gender", rng.choice(GENDERS)))
        answers += 1
    if rng.random() < 0.9:
        pairs.append(("age_band", rng.choice(AGES)))
        answers += 1
    if rng.random() < 0.2:
        pairs.append(("comment", rng.choice(COMMENTS)))
        answers += 1
    return urlencode(pairs), answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--count", type=int, required=True, help="bodies in total")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    secret = os.environ["SIPAS_SECRET_KEY"]
    signer = SubmissionSigner(secret, 24 * 3600)
    # Same serializer the signer uses, only to read the uuid back out of each token.
    reader = URLSafeTimedSerializer(secret, salt="sipas.submission")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        files = [
            stack.enter_context(open(f"{args.prefix}.{t}.tsv", "w", encoding="ascii"))
            for t in range(1, args.threads + 1)
        ]
        for i in range(args.count):
            unit = COUNTERS[i % len(COUNTERS)]
            token = signer.issue(unit)
            sid, signed_unit, *_ = reader.loads(token)  # [id, unit, device]
            assert signed_unit == unit
            body, answers = body_for(rng, token)
            files[i % args.threads].write(f"/s/{unit}\t{body}\t{sid}\t{answers}\n")
    print(f"{args.count} bodies in {args.threads} files ({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
