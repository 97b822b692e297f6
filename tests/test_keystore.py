"""The keyring wrapper: remembers with a backend, degrades quietly without one."""

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from nk_desktop import keystore


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.items = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_remembers_the_last_user(memory_keyring):
    assert keystore.remember_last_user("lan.nt") is True
    assert keystore.last_user() == "lan.nt"
    assert memory_keyring.items == {("NK Desktop", "last-username"): "lan.nt"}


def test_without_a_keyring_nothing_is_remembered_and_nothing_fails():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert keystore.remember_last_user("lan.nt") is False
        assert keystore.last_user() is None
    finally:
        keyring.set_keyring(previous)


def test_the_suite_never_touches_the_real_keyring():
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.null"
