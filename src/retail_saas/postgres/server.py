"""A private PostgreSQL server: find (or install) the binaries, `initdb` a
throw-away data directory outside the repository, start it on loopback
only with its own free port and unix socket directory, create the
database, and stop and remove it at the end.

Used by the pytest fixture (pytests/pg_server.py) and by
`retail-saas pg-server start|stop|status`.

    with PostgresServer() as server:       # or server.start() / server.stop()
        os.environ.update(server.env)      # PGHOST, PGPORT, PGUSER, ...

`initdb` and `postgres` refuse to run as root; as root the server runs as
the `postgres` OS user (created by the Debian package), which owns the
data directory. As any other user it runs as that user.

Environment:
    RETAIL_SAAS_PG_BINDIR   directory holding initdb/pg_ctl/postgres
                            (default: newest /usr/lib/postgresql/<ver>/bin,
                            else initdb on PATH)
    RETAIL_SAAS_PG_DIR      base directory for data, socket and log
                            (default: a new temporary directory)
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Password (SCRAM) authentication even on loopback: any local OS user can
# reach 127.0.0.1, so trust would let anyone log in as the dbt user and
# bypass every policy. The superuser's password is generated at initdb
# and kept in <base>/secret/ (mode 0600, outside the repository).
# `fsync = off` and friends make tests fast and are harmless for data that
# is regenerated on every run.
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
CONF_MARK = "# --- retail_saas private server ---"
HBA = """# retail_saas private server: password (SCRAM) for everyone
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
"""
# pgaudit: every read of a table the audit role may select is logged
# (object audit logging); csv logs are loaded into schema audit by
# `retail-saas audit load` (docs/access.md).
AUDIT_ROLE = "retail_saas_auditor"
# Side channels a superuser can close (docs/access.md): view definitions
# and rewrite rules of every relation are readable by any user by
# default. Revoked in template1 (so every new database inherits it) and
# in the server's database; superusers and owners' tools are unaffected.
HARDEN = [
    (
        "revoke execute on function pg_get_viewdef(oid), pg_get_viewdef(oid, boolean), "
        "pg_get_viewdef(oid, integer), pg_get_viewdef(text), pg_get_viewdef(text, boolean), "
        "pg_get_ruledef(oid), pg_get_ruledef(oid, boolean), pg_get_functiondef(oid) from public"
    ),
    "revoke select on pg_catalog.pg_rewrite from public",
]
AUDIT_SETTINGS = {
    "shared_preload_libraries": "'pgaudit'",
    "pgaudit.role": f"'{AUDIT_ROLE}'",
    "pgaudit.log": "'role'",
    "pgaudit.log_relation": "on",
    "logging_collector": "on",
    "log_destination": "'csvlog'",
    "log_directory": "'log'",
    "log_filename": "'postgresql-%Y%m%d-%H%M%S.log'",
    "log_rotation_size": "'100MB'",
}


class ServerError(RuntimeError):
    """The server could not be installed, initialised or started."""


def _log(msg: str) -> None:
    print(f"[pg-server] {msg}", file=sys.stderr, flush=True)


def _version_key(path: str) -> tuple:
    ver = Path(path).parent.name  # /usr/lib/postgresql/<ver>/bin
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.]", ver))


def find_bindir() -> Path | None:
    """Directory with initdb, pg_ctl and postgres, or None."""
    wanted = ("initdb", "pg_ctl", "postgres")
    env = os.environ.get("RETAIL_SAAS_PG_BINDIR")
    if env:
        d = Path(env)
        if all((d / b).exists() for b in wanted):
            return d
        raise ServerError(f"RETAIL_SAAS_PG_BINDIR={env} has no {'/'.join(wanted)}")
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for c in cands:
        if all(os.access(os.path.join(c, b), os.X_OK) for b in wanted):
            return Path(c)
    initdb = shutil.which("initdb")
    if initdb:
        d = Path(os.path.realpath(initdb)).parent
        if all((d / b).exists() for b in wanted):
            return d
    return None


def install_postgresql(timeout: float = 1200) -> float:
    """Install the Debian `postgresql` package (apt-get). Returns seconds."""
    if not shutil.which("apt-get"):
        raise ServerError(
            "PostgreSQL is not installed and apt-get is not available; install PostgreSQL or set PGHOST to your own server"
        )
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise ServerError("PostgreSQL is not installed; installing it needs root (no sudo)")
        prefix = ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    t0 = time.monotonic()
    _log("PostgreSQL not found: apt-get install postgresql")
    for cmd in (
        prefix + ["apt-get", "update", "-q"],
        prefix + ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
    ):
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            tail = (res.stdout + res.stderr)[-2000:]
            raise ServerError(f"{' '.join(cmd)} failed ({res.returncode}):\n{tail}")
    secs = time.monotonic() - t0
    _log(f"installed postgresql in {secs:.1f}s")
    return secs


def _apt_install(packages: list[str], timeout: float = 1200) -> None:
    if not shutil.which("apt-get"):
        raise ServerError(f"{' '.join(packages)} not installed and apt-get is not available")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise ServerError(f"installing {' '.join(packages)} needs root (no sudo)")
        prefix = ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = prefix + ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:  # the package lists may be stale or missing
        subprocess.run(prefix + ["apt-get", "update", "-q"], env=env, capture_output=True, timeout=timeout, check=False)
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        tail = (res.stdout + res.stderr)[-2000:]
        raise ServerError(f"{' '.join(cmd)} failed ({res.returncode}):\n{tail}")


def pgaudit_available(bindir: Path) -> bool:
    """pgaudit's library is installed for this PostgreSQL major."""
    res = (
        subprocess.run([str(bindir / "pg_config"), "--pkglibdir"], capture_output=True, text=True, check=False)
        if (bindir / "pg_config").exists()
        else None
    )
    libdir = Path(res.stdout.strip()) if res and res.returncode == 0 else Path("/usr/lib/postgresql") / bindir.parent.name / "lib"
    return (libdir / "pgaudit.so").exists()


def ensure_pgaudit(bindir: Path, install: bool = True) -> float:
    """Install Debian's postgresql-<major>-pgaudit when missing. Seconds."""
    if pgaudit_available(bindir):
        return 0.0
    if not install:
        raise ServerError("pgaudit is not installed for this PostgreSQL")
    major = bindir.parent.name
    t0 = time.monotonic()
    _log(f"pgaudit not found: apt-get install postgresql-{major}-pgaudit")
    _apt_install([f"postgresql-{major}-pgaudit"])
    if not pgaudit_available(bindir):
        raise ServerError(f"postgresql-{major}-pgaudit installed but pgaudit.so not found")
    return time.monotonic() - t0


def ensure_bindir(install: bool = True) -> tuple[Path, float]:
    """(bindir, seconds spent installing)."""
    d = find_bindir()
    if d:
        return d, 0.0
    if not install:
        raise ServerError("PostgreSQL binaries (initdb, pg_ctl, postgres) not found")
    secs = install_postgresql()
    d = find_bindir()
    if not d:
        raise ServerError("postgresql installed but initdb/pg_ctl/postgres not found")
    return d, secs


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_os_user() -> pwd.struct_passwd:
    """The OS user the server runs as: `postgres` as root, else ourselves."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        _log("creating OS user postgres")
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam("postgres")


class PostgresServer:
    """A private PostgreSQL cluster under `base_dir` (data/, run/, server.log)."""

    def __init__(
        self,
        base_dir: str | os.PathLike | None = None,
        *,
        port: int | None = None,
        database: str = "retail_saas",
        superuser: str = "postgres",
        install: bool = True,
        keep: bool | None = None,
        fast: bool = True,
        audit: bool = True,
        max_connections: int = 120,
    ) -> None:
        base_dir = base_dir or os.environ.get("RETAIL_SAAS_PG_DIR")
        self._own_base = base_dir is None
        self.base_dir = Path(base_dir) if base_dir else None
        self.port = port
        self.database = database
        self.superuser = superuser
        self.install = install
        # A temporary base is removed at stop(); a given one is kept.
        self.keep = (not self._own_base) if keep is None else keep
        self.fast = fast
        self.audit = audit
        self.max_connections = max_connections
        self.bindir: Path | None = None
        self.timings: dict[str, float] = {}
        self._user = _server_os_user()
        self._started = False

    # -- paths ---------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "run"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "server.log"

    @property
    def secret_file(self) -> Path:
        """The superuser's generated password (0600, never in the repo)."""
        assert self.base_dir is not None
        return self.base_dir / "secret" / "superuser"

    @property
    def passfile(self) -> Path:
        """A libpq password file for this server (PGPASSFILE)."""
        assert self.base_dir is not None
        return self.base_dir / "secret" / "pgpass"

    @property
    def audit_log_dir(self) -> Path:
        """Where the csv logs (pgaudit's lines among them) are written."""
        return self.data_dir / "log"

    def password(self) -> str:
        try:
            return self.secret_file.read_text().strip()
        except OSError:
            raise ServerError(
                f"no password file {self.secret_file}: this data directory predates password "
                "authentication; remove it (retail-saas pg-server stop --purge) and start again"
            ) from None

    @property
    def env(self) -> dict[str, str]:
        """PG* variables for clients (psql, psycopg2, dbt's postgres target)."""
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": self.superuser,
            "PGPASSWORD": self.password(),
            "PGDATABASE": self.database,
        }

    @property
    def client_env(self) -> dict[str, str]:
        """Like env, but the password stays in PGPASSFILE (for printing)."""
        env = {k: v for k, v in self.env.items() if k != "PGPASSWORD"}
        env["PGPASSFILE"] = str(self.passfile)
        return env

    def _write_secret(self) -> str:
        """Generate the superuser's password (once) into secret/."""
        import secrets

        d = self.secret_file.parent
        d.mkdir(mode=0o700, exist_ok=True)
        os.chmod(d, 0o700)
        if not self.secret_file.exists():
            fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(24) + "\n")
        return self.password()

    def _write_passfile(self) -> None:
        line = f"127.0.0.1:{self.port}:*:{self.superuser}:{self.password()}\n"
        fd = os.open(self.passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(line)

    # -- helpers ---------------------------------------------------------------
    def _run(self, args: list[str], timeout: float = 120, check: bool = True):
        kw: dict = {}
        if os.geteuid() == 0:
            kw = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.base_dir),
            "LC_ALL": "C",
            "LANG": "C",
        }
        res = subprocess.run(
            args,
            cwd=self.base_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kw,
        )
        if check and res.returncode != 0:
            raise ServerError(f"{' '.join(args)} failed ({res.returncode}):\n{res.stdout}{res.stderr}{self._log_tail()}")
        return res

    def _bin(self, name: str) -> str:
        assert self.bindir is not None
        return str(self.bindir / name)

    def _log_tail(self, n: int = 3000) -> str:
        try:
            return "\n--- server.log ---\n" + self.log_file.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _write_conf(self, port: int) -> None:
        conf = self.data_dir / "postgresql.conf"
        text = conf.read_text()
        if CONF_MARK in text:
            text = text[: text.index(CONF_MARK)]
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "max_connections": str(self.max_connections),
            "password_encryption": "'scram-sha-256'",
        }
        if self.fast:
            settings.update(FAST_SETTINGS)
        if self.audit:
            settings.update(AUDIT_SETTINGS)
        block = "\n".join(f"{k} = {v}" for k, v in settings.items())
        conf.write_text(f"{text.rstrip()}\n\n{CONF_MARK}\n{block}\n")

    def _configured_port(self) -> int | None:
        try:
            text = (self.data_dir / "postgresql.conf").read_text()
        except OSError:
            return None
        if CONF_MARK not in text:
            return None
        m = re.search(r"^port = (\d+)$", text[text.index(CONF_MARK) :], re.M)
        return int(m.group(1)) if m else None

    def is_running(self) -> bool:
        if self.bindir is None:
            self.bindir = find_bindir()
        if self.bindir is None or not (self.data_dir / "PG_VERSION").exists():
            return False
        res = self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), "status"], check=False)
        return res.returncode == 0

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> PostgresServer:
        """Install (if needed), initdb (if needed), start, wait, create the DB."""
        t0 = time.monotonic()
        self.bindir, self.timings["install"] = ensure_bindir(self.install)

        if self.base_dir is None:
            root = os.environ.get("TMPDIR") or "/tmp"
            self.base_dir = Path(tempfile.mkdtemp(prefix="retail_saas_pg_", dir=root))
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.base_dir = self.base_dir.resolve()
        if os.geteuid() == 0:
            # The server user must be able to traverse every parent.
            for parent in self.base_dir.parents:
                if not os.stat(parent).st_mode & 0o001:
                    raise ServerError(
                        f"{parent} is not traversable by the {self._user.pw_name} OS user; "
                        "choose another RETAIL_SAAS_PG_DIR (e.g. under /tmp)"
                    )
        if len(str(self.socket_dir)) > 80:  # unix socket paths are limited (~107 bytes)
            raise ServerError(f"base directory path too long for a unix socket: {self.base_dir}")
        # The server user must reach the base dir (mkdtemp makes it 0700).
        os.chmod(self.base_dir, 0o755)
        self._chown(self.base_dir)
        self.socket_dir.mkdir(exist_ok=True)
        self._chown(self.socket_dir)

        t1 = time.monotonic()
        if self.audit:
            self.timings["install pgaudit"] = ensure_pgaudit(self.bindir, self.install)
        if not (self.data_dir / "PG_VERSION").exists():
            secret = self._write_secret()
            # initdb (as the server's OS user) reads the password from a
            # file of its own, removed right after.
            pwfile = self.base_dir / "initdb.pw"
            fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secret + "\n")
            self._chown(pwfile)
            try:
                self._run(
                    [
                        self._bin("initdb"),
                        "-D",
                        str(self.data_dir),
                        "-U",
                        self.superuser,
                        "--auth=scram-sha-256",
                        f"--pwfile={pwfile}",
                        "--encoding=UTF8",
                        "--no-locale",
                        "--no-sync",
                    ]
                )
            finally:
                pwfile.unlink(missing_ok=True)
        self.password()  # an old trust-only data directory fails here
        hba = self.data_dir / "pg_hba.conf"
        if hba.read_text() != HBA:
            hba.write_text(HBA)
            self._chown(hba)
        self.timings["initdb"] = time.monotonic() - t1

        if self.is_running():
            self.port = self._configured_port()
            _log(f"already running on 127.0.0.1:{self.port} ({self.data_dir})")
        else:
            self._start_server()
        self._started = True
        self._write_passfile()

        t3 = time.monotonic()
        self._create_database()
        self.timings["createdb"] = time.monotonic() - t3
        self.timings["total"] = time.monotonic() - t0
        _log(
            f"PostgreSQL ready on 127.0.0.1:{self.port} (data {self.data_dir}; "
            + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items())
            + ")"
        )
        return self

    def _start_server(self) -> None:
        t2 = time.monotonic()
        last_err: Exception | None = None
        for attempt in range(3):
            port = (self.port or self._configured_port()) if attempt == 0 else None
            if port is None or not _port_free(port):
                port = free_port()
            self._write_conf(port)
            res = self._run(
                [self._bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "start"],
                check=False,
                timeout=90,
            )
            if res.returncode == 0:
                self.port = port
                self._wait_ready()
                self.timings["start"] = time.monotonic() - t2
                return
            last_err = ServerError(f"pg_ctl start failed ({res.returncode}):\n{res.stdout}{res.stderr}{self._log_tail()}")
            if "could not bind" not in self._log_tail() and "in use" not in self._log_tail():
                break
            _log(f"port {port} taken, retrying")
        raise last_err  # type: ignore[misc]

    def _wait_ready(self, timeout: float = 30) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user=self.superuser,
                    dbname="postgres",
                    password=self.password(),
                    connect_timeout=3,
                ).close()
                return
            except psycopg2.OperationalError as e:
                if time.monotonic() > deadline:
                    raise ServerError(f"server not accepting connections: {e}{self._log_tail()}") from None
                time.sleep(0.2)

    def _exec(self, dbname: str, *stmts: str) -> list:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.superuser, dbname=dbname, password=self.password())
        try:
            conn.autocommit = True
            out = []
            with conn.cursor() as cur:
                for s in stmts:
                    cur.execute(s)
                    out.append(cur.fetchall() if cur.description else None)
            return out
        finally:
            conn.close()

    def _create_database(self) -> None:
        self._exec("template1", *HARDEN)
        (found,) = self._exec("postgres", f"select 1 from pg_database where datname = '{self.database}'")
        if not found:
            self._exec("postgres", f'create database "{self.database}"')
        self._exec(self.database, *HARDEN)

    def stop(self) -> None:
        """Stop the server; remove the base directory unless keep."""
        if self.base_dir is None:
            return
        if self.bindir is None:
            self.bindir = find_bindir()
        if self.bindir and (self.data_dir / "postmaster.pid").exists():
            res = self._run(
                [self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"],
                check=False,
                timeout=90,
            )
            if res.returncode != 0 and self.is_running():
                _log(f"pg_ctl stop failed: {res.stdout}{res.stderr}")
                self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"], check=False)
        self._started = False
        if not self.keep:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as postgres does
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
