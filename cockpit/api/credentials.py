"""Agent credentials and profiles.

The default profile is the platform guide's own file,
``$XDG_CONFIG_HOME/retake/credentials.json``, so agents that follow the guide
and this tool share one account. Named profiles live beside it as
``credentials-NAME.json``. Files are written atomically with mode 0600.

The access token may live in the system keyring instead, when a real keyring
backend is available; the file then contains an empty ``access_token`` and
``"access_token_in_keyring": true``. ``RETAKE_ACCESS_TOKEN`` overrides both.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from cockpit import paths
from cockpit.settings import DEFAULT_API_URL

logger = logging.getLogger(__name__)

TOKEN_ENVIRONMENT_VARIABLE = "RETAKE_ACCESS_TOKEN"
KEYRING_SERVICE = "retake-cockpit"
PROFILE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

TokenStore = Literal["auto", "file", "keyring"]


class CredentialsError(Exception):
    """Raised when credentials are missing, unreadable or invalid."""


@dataclass(frozen=True)
class Credentials:
    """One agent's account, as in the guide's ``credentials.json``, plus the API URL it belongs to."""

    access_token: str = field(repr=False)
    agent_name: str = ""
    agent_id: str = ""
    user_db_id: str = ""
    wallet_address: str = ""
    token_address: str = ""
    token_ticker: str = ""
    api_url: str = DEFAULT_API_URL
    """The API the token was issued by; the token is sent to no other."""

    def to_file_json(self, token_in_file: bool) -> dict[str, Any]:
        """Return the file's JSON object, in the guide's field names."""
        data: dict[str, Any] = {
            "access_token": self.access_token if token_in_file else "",
            "agent_name": self.agent_name,
            "agent_id": self.agent_id,
            "userDbId": self.user_db_id,
            "wallet_address": self.wallet_address,
            "token_address": self.token_address,
            "token_ticker": self.token_ticker,
        }
        if normalise_api_url(self.api_url) != DEFAULT_API_URL:
            data["api_url"] = normalise_api_url(self.api_url)
        if not token_in_file:
            data["access_token_in_keyring"] = True
        return data


def normalise_api_url(url: str) -> str:
    """Return ``url`` without trailing slashes, for comparing API URLs."""
    return url.rstrip("/")


def validate_profile_name(name: str) -> str:
    """Return ``name`` if it is a valid profile name, else raise ``CredentialsError``."""
    if not PROFILE_NAME_PATTERN.match(name):
        raise CredentialsError(
            f"Invalid profile name {name!r}: use 1-32 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit."
        )
    return name


def credentials_path(profile: str, directory: Path | None = None) -> Path:
    """Return the credentials file of ``profile``, in ``directory`` or the shared one."""
    validate_profile_name(profile)
    name = "credentials.json" if profile == "default" else f"credentials-{profile}.json"
    return (directory or paths.credentials_dir()) / name


def real_keyring_backend() -> KeyringBackend | None:
    """Return the active keyring backend if it really protects secrets, else ``None``.

    The fail and null backends store nothing, and plaintext file backends
    protect no better than our own 0600 file, so none of them counts.
    """
    backend = keyring.get_keyring()
    candidates = getattr(backend, "backends", [backend])
    for candidate in candidates:
        module = type(candidate).__module__
        if module.startswith(("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")):
            continue
        if getattr(candidate, "priority", 0) >= 1:
            return backend
    return None


class CredentialStore:
    """Reads and writes one profile's credentials."""

    def __init__(
        self, profile: str, token_store: TokenStore = "auto", directory: Path | None = None
    ) -> None:
        self.profile = validate_profile_name(profile)
        self.path = credentials_path(profile, directory)
        self.token_store = token_store

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> Credentials:
        """Read the profile; raise ``CredentialsError`` saying how to create it if it is missing."""
        return self._from_file_json(self._read_raw())

    def _read_raw(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CredentialsError(
                f"No credentials for profile {self.profile!r} ({self.path}). Run "
                f"`cockpit register --profile {self.profile}` to create an agent, or "
                f"`cockpit login --profile {self.profile}` to store an existing token."
            ) from None
        except (OSError, ValueError) as error:
            raise CredentialsError(
                f"Could not read {self.path}: {error}. Fix or remove the file, then run "
                f"`cockpit login --profile {self.profile}`."
            ) from None
        if not isinstance(raw, dict):
            raise CredentialsError(f"{self.path} does not contain a JSON object; fix or remove it.")
        return raw

    def save(self, credentials: Credentials) -> None:
        """Write the profile atomically with mode 0600, the token to the keyring where configured."""
        token_in_file = True
        if self.token_store != "file":
            token_in_file = not self._store_token_in_keyring(credentials.access_token)
        data = credentials.to_file_json(token_in_file)
        write_private_json(self.path, data)
        logger.info("saved credentials of profile %s to %s", self.profile, self.path)

    def update(self, **changes: str) -> Credentials:
        """Change some fields (such as ``token_address`` after the first stream) and save.

        A token given by ``RETAKE_ACCESS_TOKEN`` stays out of the file: the stored one is kept.
        """
        raw = self._read_raw()
        for name, value in changes.items():
            raw[_FILE_KEYS[name]] = value
        write_private_json(self.path, raw)
        return self.load()

    def _from_file_json(self, raw: dict[str, Any]) -> Credentials:
        strings = {}
        for name, key in _FILE_KEYS.items():
            value = raw.get(key, "")
            if not isinstance(value, str):
                raise CredentialsError(
                    f"{self.path}: field {key!r} must be a string, not {type(value).__name__}."
                )
            strings[name] = value
        file_token = strings.pop("access_token")
        token = os.environ.get(TOKEN_ENVIRONMENT_VARIABLE) or file_token
        if not token and raw.get("access_token_in_keyring") is True:
            token = self._token_from_keyring()
        if not token:
            raise CredentialsError(
                f"Profile {self.profile!r} has no access token. "
                f"Run `cockpit login --profile {self.profile}` to store one."
            )
        api_url = normalise_api_url(strings.pop("api_url") or DEFAULT_API_URL)
        return Credentials(access_token=token, api_url=api_url, **strings)

    def _store_token_in_keyring(self, token: str) -> bool:
        backend = real_keyring_backend()
        if backend is None:
            if self.token_store == "keyring":
                raise CredentialsError(
                    "No usable system keyring was found, so the token cannot be kept there. "
                    "Use `--token-store file` to keep it in the 0600 credentials file."
                )
            _notice_file_storage_once(self.path)
            return False
        try:
            backend.set_password(KEYRING_SERVICE, self.profile, token)
        except keyring.errors.KeyringError as error:
            logger.warning("could not store the token in the keyring (%s); using the file", error)
            return False
        return True

    def _token_from_keyring(self) -> str:
        try:
            return keyring.get_password(KEYRING_SERVICE, self.profile) or ""
        except keyring.errors.KeyringError as error:
            raise CredentialsError(
                f"The token of profile {self.profile!r} is in the system keyring, which failed: "
                f"{error}. Unlock the keyring, or run `cockpit login --profile {self.profile} "
                "--token-store file`."
            ) from None


_FILE_KEYS = {
    "access_token": "access_token",
    "agent_name": "agent_name",
    "agent_id": "agent_id",
    "user_db_id": "userDbId",
    "wallet_address": "wallet_address",
    "token_address": "token_address",
    "token_ticker": "token_ticker",
    "api_url": "api_url",
}


def _notice_file_storage_once(credentials_file: Path) -> None:
    marker = paths.state_home() / paths.APP_DIR_NAME / "keyring-notice-shown"
    if marker.exists():
        return
    print(
        f"No system keyring is available, so the access token is kept in {credentials_file} "
        "(readable by you only)."
    )
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58_decode(text: str) -> bytes:
    """Decode Bitcoin-alphabet base58, as Solana uses; raise ``ValueError`` on other characters."""
    number = 0
    for character in text:
        index = _BASE58_ALPHABET.find(character)
        if index < 0:
            raise ValueError(f"{character!r} is not a base58 character")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading_zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * leading_zeros + body


def base58_encode(data: bytes) -> str:
    """Encode ``data`` in Bitcoin-alphabet base58, as Solana addresses are written."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_BASE58_ALPHABET[remainder])
    leading_zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * leading_zeros + "".join(reversed(digits))


def validate_wallet(address: str) -> str:
    """Return ``address`` if it is a Solana public key (base58 of 32 bytes), else raise."""
    try:
        decoded = base58_decode(address)
    except ValueError as error:
        raise CredentialsError(
            f"Invalid wallet address {address!r}: {error}. Give the base58 public key of a "
            "Solana wallet, such as the one `solana address` prints."
        ) from None
    if len(decoded) != 32:
        raise CredentialsError(
            f"Invalid wallet address {address!r}: it decodes to {len(decoded)} bytes, but a "
            "Solana public key has 32. Check that it was copied whole."
        )
    return address


def validate_image_url(url: str) -> str:
    """Return ``url`` if it is an https URL of a .jpg, .jpeg or .png image, else raise."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise CredentialsError(f"Invalid image URL {url!r}: it must be a public https:// URL.")
    if not parts.path.lower().endswith((".jpg", ".jpeg", ".png")):
        raise CredentialsError(
            f"Invalid image URL {url!r}: its path must end in .jpg, .jpeg or .png "
            "(a square image becomes the profile picture and token image)."
        )
    return url
