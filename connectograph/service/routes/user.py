"""User: the token's profile, and the token itself."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..tokens import TokenInfo

router = APIRouter(tags=["user"])


@router.get("/profile")
def profile(request: Request):
    """The token's name and access level (always read-only)."""
    token: TokenInfo = request.state.token_info     # set by the app's bearer_token
    return {"Email": token.name, "AuthLevel": "readonly", "ImageURL": ""}


@router.get("/token")
def token(request: Request):
    """Echo the token this request was made with."""
    return {"token": request.state.token}
