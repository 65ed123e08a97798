"""Code tables printed on ID cards: nations (GB 3304), sexes (GB/T 2261.1) and card kinds.

The names are the official Chinese designations stored as data, not interface text, so they
do not go through gettext. Display code usually appends "族" to a nation name.
"""

from __future__ import annotations

from enum import Enum

NATIONS: dict[str, str] = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳",
    "21": "佤", "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西",
    "28": "景颇", "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌",
    "34": "布朗", "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌",
    "40": "普米", "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克",
    "46": "德昂", "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙",
    "52": "鄂伦春", "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他",
    "98": "外国血统中国籍人士",
}  # fmt: skip

SEXES: dict[str, str] = {"0": "未知的性别", "1": "男", "2": "女", "9": "未说明的性别"}


class CardKind(Enum):
    """Layout of the text block, chosen by the 2 bytes at offset 248 (§1.6)."""

    RESIDENT = " "  # 居民身份证: no flag (spaces/reserved)
    HMT_RESIDENCE = "J"  # 港澳台居民居住证
    FOREIGNER_2017 = "I"  # 外国人永久居留身份证 (2017)
    FOREIGNER_2023 = "Y"  # 外国人永久居留身份证 (2023)

    @classmethod
    def from_flag(cls, flag: str) -> CardKind:
        for kind in (cls.HMT_RESIDENCE, cls.FOREIGNER_2017, cls.FOREIGNER_2023):
            if flag == kind.value:
                return kind
        return cls.RESIDENT


def nation_name(code: str) -> str | None:
    return NATIONS.get(code)


def sex_name(code: str) -> str | None:
    return SEXES.get(code)
