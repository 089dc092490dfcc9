#!/usr/bin/env python3
"""Mints HS256 bearer tokens for the bench users (u0..u<n-1>) and named users, one per line."""
import base64, hashlib, hmac, json, sys, time

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token(secret: str, sub: str) -> str:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"sub": sub, "iat": int(time.time()), "exp": int(time.time()) + 86400}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"

if __name__ == "__main__":
    secret, count = sys.argv[1], int(sys.argv[2])
    names = sys.argv[3:]
    for i in range(count):
        print(token(secret, f"u{i}"))
    for name in names:
        print(f"{name}={token(secret, name)}", file=sys.stderr)
