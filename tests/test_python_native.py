"""Python packages built from source against system libraries: the answer, and the packages the build plan installs."""

from __future__ import annotations

import pytest

from generator.languages.python import build
from generator.languages.python.native import NATIVE, parse_native
from tests.cases import BASE, COMMON


@pytest.mark.parametrize("raw, names", [
    ("psycopg2", ["psycopg2"]),
    ("python_ldap, PSYCOPG2", ["psycopg2", "python-ldap"]),
    (["mysqlclient", "mysqlclient"], ["mysqlclient"]),
    ("none", []), ("", []), (None, []),
])
def test_the_answer_holds_names_of_the_table_only(raw, names) -> None:
    assert parse_native(raw) == names


@pytest.mark.parametrize("raw", ["libpq-dev", "psycopg2; rm -rf /", ["x" * 500], {"a": 1}])
def test_anything_else_is_refused(raw) -> None:
    with pytest.raises(ValueError):
        parse_native(raw)


@pytest.mark.parametrize("final, version, built, runtime", [
    ("slim", "3.12", ("gcc", "libldap2-dev", "libpq-dev", "libsasl2-dev"), ("libldap-2.5-0", "libpq5", "libsasl2-2")),
    ("distroless", "3.11", ("gcc", "libldap2-dev", "libpq-dev", "libsasl2-dev", "python3-dev"),
     ("libldap-2.5-0", "libpq5", "libsasl2-2")),
    ("distroless", "3.13", ("gcc", "libldap2-dev", "libpq-dev", "libsasl2-dev", "python3-dev"),
     ("libldap2", "libpq5", "libsasl2-2")),
])
def test_the_build_plan_installs_the_packages_of_the_final_images_debian(final, version, built, runtime) -> None:
    answers = {**COMMON, **BASE["python"], "final": final, "version": version, "native": ["psycopg2", "python-ldap"]}
    plan = build.plan(answers)
    assert (plan.native_build, plan.native_runtime) == (built, runtime)


def test_no_native_package_installs_nothing() -> None:
    plan = build.plan({**COMMON, **BASE["python"], "final": "slim"})
    assert (plan.native_build, plan.native_runtime) == ((), ())


def test_every_entry_names_its_libraries_for_every_debian_the_images_use() -> None:
    from generator.pins import DISTROLESS_PYTHON, PYTHON_DEBIAN

    releases = {PYTHON_DEBIAN, *DISTROLESS_PYTHON.values()}
    for name, entry in NATIVE.items():
        assert releases <= set(entry.runtime), name
        assert "gcc" in entry.build, name
