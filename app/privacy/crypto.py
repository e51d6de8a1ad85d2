# TEMPORARY LOCAL SHIM (not committed): replaced by the real module from main.
import hashlib


def encrypt(plaintext, purpose):
    return "v1:shim:" + plaintext[::-1]


def decrypt(stored, purpose):
    return stored.split(":", 2)[2][::-1]


def blind_index(email):
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
