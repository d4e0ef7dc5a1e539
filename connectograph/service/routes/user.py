"""User: the token's profile, and the token itself."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ..tokens import TokenInfo
from .common import bearer_token

router = APIRouter(tags=["user"])


@router.get("/profile")
def profile(token: TokenInfo = Depends(bearer_token)):
    """The token's name and access level (always read-only)."""
    return {"Email": token.name, "AuthLevel": "readonly", "ImageURL": ""}


@router.get("/token")
def token(request: Request):
    """Echo the token this request was made with."""
    return {"token": request.state.token}
