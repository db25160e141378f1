"""What PaperTrade keeps in its own database, read there (capability `database`: the embedded app):
passwords only as salted scrypt keys of the platform's cost, and prices as users are shown them."""

import base64
import hashlib

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.capability("test_api", "database")

# docs/papertrade-contract.md, Security: scrypt with N=2^14, r=8, p=1, a 16-byte salt, a 32-byte key
SCRYPT_COST = {"n": 2**14, "r": 8, "p": 1}


def stored(app_database, sql, **values):
    with app_database.connect() as db:
        return db.execute(text(sql), values).one()


@pytest.mark.flow("AUTH-01")
def test_a_password_is_stored_only_as_a_salted_scrypt_key(app_database, make_account):
    accounts = [make_account(), make_account()]
    salts = []
    for account in accounts:
        (kept,) = stored(
            app_database, "SELECT password_hash FROM accounts WHERE username = :u", u=account.username
        )
        assert account.password not in kept
        scheme, n, r, p, salt, key = kept.split("$")
        assert (scheme, {"n": int(n), "r": int(r), "p": int(p)}) == ("scrypt", SCRYPT_COST)
        salt, key = base64.b64decode(salt), base64.b64decode(key)
        assert (len(salt), len(key)) == (16, 32)
        assert key == hashlib.scrypt(account.password.encode(), salt=salt, dklen=32, **SCRYPT_COST)
        salts.append(salt)
    assert salts[0] != salts[1]  # each password gets a salt of its own


@pytest.mark.flow("RT-01")
def test_a_price_the_app_shows_is_the_price_it_stored(api, app_database, symbol):
    api.set_price(symbol, "151.23")
    assert api.call("GET", f"/api/quotes/{symbol}", 200)["last"] == "151.23"
    (last_cents,) = stored(app_database, "SELECT last_cents FROM instruments WHERE symbol = :s", s=symbol)
    assert last_cents == 15123


@pytest.mark.flow("RT-01")
def test_a_price_a_tick_moves_is_stored(api, app_database, feed_steps):
    ticking = api.create_instrument("150.00", ticking=True)["symbol"]
    moved = [tick[ticking] for tick in feed_steps(20, seed=3, symbols=[ticking]) if ticking in tick]
    assert moved, "20 ticks left it at 150.00"
    (last_cents,) = stored(app_database, "SELECT last_cents FROM instruments WHERE symbol = :s", s=ticking)
    assert f"{last_cents / 100:.2f}" == moved[-1] == api.call("GET", f"/api/quotes/{ticking}", 200)["last"]


@pytest.mark.flow("API-07")
def test_a_created_instrument_is_stored_with_its_price(api, app_database):
    created = api.create_instrument("42.50", ticking=True)
    columns = "last_cents, prev_close_cents, ticking, listed"
    row = stored(app_database, f"SELECT {columns} FROM instruments WHERE symbol = :s", s=created["symbol"])
    assert tuple(row) == (4250, 4250, True, False)
