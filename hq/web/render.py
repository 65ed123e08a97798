"""Rendering and checking for the supervision room: templates, headers, forms, parameters.

Templates are Jinja2 with autoescape on for every file (`select_autoescape` would leave
``.html.j2`` or a string template unescaped; ``autoescape=True`` leaves nothing). They are
written in Chinese only: the room is a Chinese application (issue 16), and the project's
catalog is filled by `tools/i18n.py` from Python sources, which cannot see template text.
Every page is sent with a strict Content-Security-Policy (no script, no inline style, nothing
from another origin), ``no-store`` caching (pages hold personal data) and no referrer.
Every query parameter and form field is checked against a pattern; anything unknown or
malformed is a 400, never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

__all__ = ["ALERT_ID", "DEVICE_ID", "PAGE_NUMBER", "BadRequest", "form_fields", "html",
           "query_values", "when"]

DEVICE_ID = re.compile(r"[0-9a-f]{16}")
ALERT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,4}")
_FORM_LIMIT = 16 * 1024
_BEIJING = timezone(timedelta(hours=8))
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; font-src 'self'; "
                               "img-src 'self'; media-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


class BadRequest(Exception):
    """A request whose parameters or form are not what the page takes (400)."""


def when(ms: object) -> str:
    """HQ's milliseconds as Beijing time, as the bureau reads it."""
    if ms is None:
        return "—"
    moment = datetime.fromtimestamp(int(str(ms)) / 1000, UTC).astimezone(_BEIJING)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _offset(ms: object) -> str:
    if ms is None:
        return "—"
    seconds = round(int(str(ms)) / 1000, 1)
    return "0.0 秒" if seconds == 0 else f"{seconds:+.1f} 秒"  # never "-0.0"


_ENV = Environment(loader=PackageLoader("hq.web", "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters["when"] = when
_ENV.filters["offset"] = _offset
_ENV.globals.update(
    ROLE_NAMES={"supervisor": "监察员", "legal": "法制员（只读）", "admin": "管理员"},
    ALERT_NAMES={"conflict": "同一编号内容不同（已隔离）",
                 "audit_inconsistent": "审计链不一致（疑似存储被回滚）",
                 "officer_key_replaced": "执法人员密钥已更换",
                 "officer_key_conflict": "执法人员密钥冲突",
                 "unit_ca_damaged": "单位证书文件损坏",
                 "gap": "记录序号缺失", "clock": "终端时钟偏差过大",
                 "no_docking": "证据缺少对接入库证书", "long_interview": "询问时间过长"},
    # What each alert means and what to do, in the supervisor's words: the stored message is
    # the receiver's English, shown beside it as the technical detail.
    ALERT_DESCRIPTIONS={
        "conflict": "终端以同一编号送来了内容不同的记录。总部保留先收到的内容，后到的记录已隔离、"
                    "待人工核查；可能是终端存储被篡改，也可能是程序缺陷。",
        "audit_inconsistent": "终端送来的审计树头不能延续总部已会签的树头，或与总部持有的审计事件"
                              "不符。常见原因是终端存储被恢复为旧备份后继续使用，也可能是审计记录"
                              "被改写。该终端此后的记录不会被会签，请核实终端情况。",
        "officer_key_replaced": "终端上某执法人员的总部密钥已更换，通常是在该终端上重置了密码。"
                                "如无人知晓此次重置，请吊销该执法人员。",
        "officer_key_conflict": "终端为某执法人员送来的总部密钥与已登记的不同，总部已拒绝。可能是"
                                "终端被重装，或有人冒用该人员身份，请核实。",
        "unit_ca_damaged": "总部的单位证书文件无法读取，终端注册时无法签发设备证书（终端稍后会"
                           "重试）。请运维人员修复或重新导入单位证书。",
        "gap": "终端的记录序号有缺失，即部分记录尚未送达总部。通常在下次同步后消失；长期存在说明"
               "记录丢失或被删除。",
        "clock": "终端时钟与总部时钟相差超过阈值。笔录与证据上的时间来自终端时钟，请校准。",
        "no_docking": "收到了执法记录仪的证据文件，却没有收到其对接入库证书，无法核对该文件来自"
                      "哪台记录仪、何时导入。对接尚未完成时也会短暂出现；长期存在请核实终端。",
        "long_interview": "一次询问从开始到结束超过 12 小时（与终端的长时询问提醒相同）。请核查"
                          "询问期间是否保障了当事人的饮食和必要的休息时间，笔录是否如实记载。"},
    RECORD_NAMES={"statement": "笔录", "statement_pdf": "笔录PDF", "signature_capture": "签名笔迹",
                  "signature_event": "签名事件", "evidence_item": "证据", "docking": "设备对接",
                  "tree_head": "审计树头", "officer_event": "人员事件", "key_event": "密钥事件",
                  "statement_context": "笔录背景（案件、当事人、人员）",
                  "evidence_record": "证据登记（含保管链）",
                  "penalty_decision": "处罚决定", "legal_review": "法制审核",
                  "penalty_document": "处罚文书（文号、送达）",
                  "penalty_document_pdf": "处罚文书PDF"},
    PAGE_NAMES={"login": "登录", "overview": "监察总览", "device": "终端详情",
                "record": "记录详情", "alert": "告警详情", "users": "用户管理",
                "enrol-code": "生成注册码", "access-log": "访问记录",
                "evidence": "证据列表", "evidence-item": "证据详情", "evidence-media": "证据文件",
                "statistics": "统计", "refdata": "基础数据", "refdata-publish": "发布基础数据",
                "statements": "案件与笔录", "statement": "笔录详情",
                "statement-page": "笔录页面图像", "statement-package": "下载法庭证据包"})


def html(template: str, values: Mapping[str, object], status: int = 200) -> HTMLResponse:
    body = _ENV.get_template(template).render(**values)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def query_values(request: Request, allowed: Mapping[str, re.Pattern[str]]) -> dict[str, str]:
    """The query parameters, each once, each known and matching its pattern."""
    values: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        pattern = allowed.get(name)
        if pattern is None or name in values or pattern.fullmatch(value) is None:
            raise BadRequest(name)
        values[name] = value
    return values


async def form_fields(request: Request, allowed: Mapping[str, re.Pattern[str]], *,
                      limit: int = _FORM_LIMIT) -> dict[str, str]:
    """A small urlencoded form (at most ``limit`` bytes): each field once, known, matching
    its pattern; missing fields are absent from the answer (the caller decides whether that
    is an error)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != \
            "application/x-www-form-urlencoded":
        raise BadRequest("content-type")
    body = b""
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise BadRequest("too large")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body),
                          max_num_fields=len(allowed))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("form") from None
    values: dict[str, str] = {}
    for name, items in parsed.items():
        pattern = allowed.get(name)
        if pattern is None or len(items) != 1 or pattern.fullmatch(items[0]) is None:
            raise BadRequest(name)
        values[name] = items[0]
    return values
