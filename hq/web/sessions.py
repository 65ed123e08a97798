"""Server-side sessions of the supervision room, and their cookie.

The cookie holds a random 256-bit id and nothing else; the database holds only its SHA-256
(a copied database gives no live session), the user, a CSRF token and the expiry. A session
ends after `IDLE_MS` without a request and at the latest `MAX_MS` after login, at logout, and
when its user is disabled. The cookie is HttpOnly, SameSite=Strict, and Secure unless the
browser came to a loopback address (the embedded HQ over plain http; anything else is behind a
TLS terminator, decision 25).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from hq.db import Database
from hq.web.users import User

__all__ = ["COOKIE", "IDLE_MS", "MAX_MS", "Session", "end_session", "lookup", "set_cookie",
           "start_session", "tokens_match"]

COOKIE = "sr_hq_session"
IDLE_MS = 30 * 60 * 1000
MAX_MS = 12 * 3600 * 1000
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class Session:
    id_hash: str
    user: User
    csrf: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def start_session(db: Database, user: User, now_ms: int) -> str:
    """A new session for ``user``; its id, for the cookie only."""
    session_id = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        conn.execute("DELETE FROM web_sessions WHERE expires_ms <= ?", (now_ms,))
        conn.execute("INSERT INTO web_sessions (id_hash, user_name, csrf, created_ms, "
                     "expires_ms) VALUES (?, ?, ?, ?, ?)",
                     (_hash(session_id), user.name, secrets.token_urlsafe(32), now_ms,
                      now_ms + IDLE_MS))
    return session_id


def lookup(db: Database, request: Request, now_ms: int) -> Session | None:
    """The live session the request's cookie names (its idle expiry moved on), else None."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    id_hash = _hash(session_id)
    row = db.one("SELECT s.csrf, s.created_ms, s.expires_ms, u.name, u.role, u.disabled_ms "
                 "FROM web_sessions s JOIN web_users u ON u.name = s.user_name "
                 "WHERE s.id_hash = ?", (id_hash,))
    if row is None or row["expires_ms"] <= now_ms or row["disabled_ms"] is not None:
        return None
    expires = min(now_ms + IDLE_MS, int(row["created_ms"]) + MAX_MS)
    with db.transaction() as conn:
        conn.execute("UPDATE web_sessions SET expires_ms = ? WHERE id_hash = ?",
                     (expires, id_hash))
    return Session(id_hash, User(str(row["name"]), str(row["role"])), str(row["csrf"]))


def end_session(db: Database, session: Session) -> None:
    with db.transaction() as conn:
        conn.execute("DELETE FROM web_sessions WHERE id_hash = ?", (session.id_hash,))


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None) -> None:
    """Set (or, with an empty value and max_age 0, clear) one of the room's cookies."""
    secure = (request.url.hostname or "") not in _LOOPBACK
    response.set_cookie(name, value, max_age=max_age, path="/room", httponly=True,
                        samesite="strict", secure=secure)
