"""Synthetic ID cards for the emulator, tests and demos: made-up people, never real data.

`synthetic_card(kind, seed)` is deterministic per (kind, seed). Resident numbers use the
administrative code 110101; permit and 2023 foreigner numbers use their kind's prefix (810000
Hong Kong permit, 9 + 11 01 01 foreigner) with a valid GB 11643 check digit; WLT photo and
fingerprint bytes are hash-generated noise of the right size, not images or templates.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta

from hardware.idcard import checkdigit
from hardware.idcard.payload import FINGERPRINT_TEMPLATE_SIZE, PHOTO_SIZE
from hardware.idcard.tables import NATIONS, CardKind
from hardware.idcard.text import IdentityRecord, encode_text_block

_SURNAMES = "王李张刘陈杨赵黄周吴"
_GIVEN = "测试样例模拟演示虚构示范"
_ENGLISH = ("TESTER", "SAMPLE", "EXAMPLE", "DEMO", "MOCK", "PLACEHOLDER")
_NATIONALITIES = ("CAN", "GBR", "FRA", "DEU", "AUS", "NZL")


@dataclass(frozen=True)
class SyntheticCard:
    """A card to put on the emulated reader."""

    record: IdentityRecord
    photo: bytes
    fingerprint: bytes = b""  # 0, 512 or 1024 bytes of templates
    iin: bytes = bytes(4)
    sn: bytes = bytes(8)
    appended_address: str | None = None

    @property
    def text_block(self) -> bytes:
        return encode_text_block(self.record)


def _noise(label: str, size: int) -> bytes:
    return hashlib.shake_256(label.encode()).digest(size)


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.randint(1, 2)))


def _number(prefix: str, born: date, sex: str, rng: random.Random) -> str:
    sequence = rng.randrange(0, 998, 2) + (1 if sex == "1" else 0)  # odd = male
    return checkdigit.complete(f"{prefix}{born:%Y%m%d}{sequence:03d}")


def synthetic_card(
    kind: CardKind = CardKind.RESIDENT, seed: int = 0, *, fingerprints: int = 0
) -> SyntheticCard:
    """A consistent made-up identity of `kind` (same seed, same card)."""
    if fingerprints not in (0, 1, 2):
        raise ValueError("a card holds 0, 1 or 2 fingerprint templates")
    # Reproducible test data, not secrets: a seeded PRNG is exactly what is wanted here.
    rng = random.Random(f"{kind.value}:{seed}")  # noqa: S311
    sex = rng.choice("12")
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 55 * 365))
    valid_from = date(2016, 1, 1) + timedelta(days=rng.randrange(0, 3000))
    term = rng.choice((5, 10, 20, None))
    valid_until = None if term is None else valid_from.replace(year=valid_from.year + term)
    if kind is not CardKind.RESIDENT and valid_until is None:
        valid_until = valid_from.replace(year=valid_from.year + 5)  # permits are never 长期
    english = f"{rng.choice(_ENGLISH)} {rng.choice(_ENGLISH)}"
    nationality = rng.choice(_NATIONALITIES)
    if kind is CardKind.RESIDENT:
        record = IdentityRecord(
            kind=kind,
            name=_name(rng),
            nation=rng.choice(sorted(NATIONS)),
            id_number=_number("110101", born, sex, rng),
            address=f"北京市东城区测试路{rng.randint(1, 999)}号",
            authority="北京市公安局东城分局",
            sex=sex,
            birth_date=born,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    elif kind is CardKind.HMT_RESIDENCE:
        record = IdentityRecord(
            kind=kind,
            name=_name(rng),
            nation="",
            id_number=_number("810000", born, sex, rng),
            address=f"北京市东城区样例街{rng.randint(1, 99)}号",
            authority="北京市公安局东城分局",
            pass_number=f"H{rng.randrange(10**8):08d}",
            issue_count=f"{rng.randint(1, 9):02d}",
            sex=sex,
            birth_date=born,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    elif kind is CardKind.FOREIGNER_2017:
        record = IdentityRecord(
            kind=kind,
            name=_name(rng),
            nation="",
            id_number=f"{nationality}110{born:%y%m%d}{rng.randrange(1000):03d}",
            english_name=english,
            nationality=nationality,
            card_version="01",
            authority_code="1100",
            sex=sex,
            birth_date=born,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    else:
        record = IdentityRecord(
            kind=kind,
            name=_name(rng),
            nation="",
            id_number=_number("911101", born, sex, rng),
            english_name=english,
            nationality=nationality,
            renewal_count=f"{rng.randint(0, 9):02d}",
            sex=sex,
            birth_date=born,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    size = fingerprints * FINGERPRINT_TEMPLATE_SIZE
    return SyntheticCard(
        record=record,
        photo=_noise(f"photo:{kind.value}:{seed}", PHOTO_SIZE),
        fingerprint=_noise(f"finger:{kind.value}:{seed}", size) if size else b"",
    )
