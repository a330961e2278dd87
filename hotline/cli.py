"""The `hotline` command: run the switch, check a config, show status, manage secrets, simulate."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import structlog

from config.holder import ConfigHolder
from config.loader import load_config
from config.schema import HotlineConfig
from config.secrets import SecretMissingError, SecretStore
from config.yaml_positions import ConfigError
from hotline.app import Hotline, signals_handled, utc_now
from hotline.logs import configure_logging
from hotline.settings import Locations
from ivr.prompts import PromptError, build_prompts
from routing.policy import Strategy
from simulate.runner import (
    DEFAULT_DAYS,
    DEFAULT_FIRST_DAY,
    DEFAULT_HANDLE_S,
    DEFAULT_LOAD,
    DEFAULT_MAX_CALLS,
    DEFAULT_PATIENCE_S,
    Pooling,
)

if TYPE_CHECKING:
    import asyncpg

log = structlog.get_logger(__name__)
_Result = TypeVar("_Result")

DEFAULT_VAR_DIR = Path(os.environ.get("HOTLINE_VAR_DIR", "var"))


def _config_path(value: str | None) -> Path:
    path = value or os.environ.get("HOTLINE_CONFIG")
    if not path:
        raise SystemExit("hotline: no config file: pass --config FILE or set HOTLINE_CONFIG")
    return Path(path)


def _load_or_exit(path: Path) -> HotlineConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        raise SystemExit(1) from exc


def _secrets(var_dir: Path) -> SecretStore:
    return SecretStore(Path(os.environ.get("HOTLINE_SECRETS_DIR", var_dir / "secrets")))


def cmd_check_config(args: argparse.Namespace) -> int:
    failed = 0
    for file in args.files:
        try:
            config = load_config(Path(file))
        except ConfigError as exc:
            failed += 1
            for issue in exc.issues:
                print(issue, file=sys.stderr)
            continue
        print(
            f"{file}: OK ({len(config.platforms)} platforms, {len(config.seats)} seats, "
            f"{len(config.queues)} queues, {len(config.prompts.items)} prompts)"
        )
    return 1 if failed else 0


def cmd_secrets_init(args: argparse.Namespace) -> int:
    from hotline.local_stack import ensure_secrets

    config = _load_or_exit(_config_path(args.config))
    secrets = _secrets(Path(args.var_dir))
    created = ensure_secrets(config, secrets)
    print(f"{len(created)} secrets generated in {secrets.directory}")
    return 0


def cmd_prompts_build(args: argparse.Namespace) -> int:
    path = _config_path(args.config)
    config = _load_or_exit(path)
    out = Path(args.out) if args.out else config.prompts.dir
    try:
        report = build_prompts(config.prompts, out, base_dir=path.parent)
    except PromptError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    print(f"{out}: {len(report.built)} built, {len(report.reused)} unchanged")
    return 0


def cmd_asterisk_config(args: argparse.Namespace) -> int:
    from hotline.local_stack import asterisk_settings
    from sandbox import SandboxError
    from sandbox.asterisk import make_hold_music
    from sandbox.asterisk_config import InstanceLayout, render_config

    path = _config_path(args.config)
    config = _load_or_exit(path)
    layout = InstanceLayout(args.instance)
    try:
        settings = asterisk_settings(config, _secrets(Path(args.var_dir)))
        written = render_config(settings, layout, Path(args.out))
        if args.moh_dir:
            Path(args.moh_dir).mkdir(parents=True, exist_ok=True)
            make_hold_music(Path(args.moh_dir))
        if args.prompts_dir:
            build_prompts(config.prompts, Path(args.prompts_dir), base_dir=path.parent)
    except (SecretMissingError, SandboxError, PromptError) as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    print(f"{len(written)} files written to {args.out} (files 0640: they hold passwords)")
    print(f"start Asterisk with: asterisk -f -C {layout.asterisk_conf}")
    print(
        f"controller settings: prompts.asterisk_dir = {layout.dir('prompts')}, "
        f"recordings spool = {layout.recording_dir}"
    )
    return 0


def cmd_import_cases(args: argparse.Namespace) -> int:
    from cases.errors import CaseImportError
    from cases.importer import import_cases
    from sandbox import SandboxError
    from store.database import StoreError

    config = _load_or_exit(_config_path(args.config))
    courts = {platform.id for platform in config.platforms}
    try:
        with _import_database(config, Path(args.var_dir)) as database:
            report = asyncio.run(
                _with_pool(
                    database,
                    lambda pool: import_cases(
                        Path(args.file), pool, timezone=config.hours.zone, known_courts=courts
                    ),
                )
            )
    except (CaseImportError, SandboxError, SecretMissingError, StoreError) as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    for error in report.errors:
        print(error, file=sys.stderr)
    print(
        f"{args.file}: {report.inserted} cases added, {report.updated} updated, "
        f"{report.rejected} rows rejected"
    )
    return 1 if report.rejected else 0


class _ImportReport(Protocol):
    @property
    def errors(self) -> Sequence[object]: ...

    def summary(self, source: str) -> str: ...


class _FileProblems(Protocol):
    @property
    def problems(self) -> Sequence[str]: ...


def _import_file(
    args: argparse.Namespace,
    work: Callable[[HotlineConfig, asyncpg.Pool], Awaitable[_ImportReport]],
    whole_file_failed: type[Exception],
) -> int:
    """An import into the database: every problem as file:line: field: message on stderr,
    the summary on stdout, exit status 1 when anything was rejected."""
    from sandbox import SandboxError
    from store.database import StoreError

    configure_logging(level="warning")
    config = _load_or_exit(_config_path(args.config))
    try:
        with _import_database(config, Path(args.var_dir)) as database:
            report = asyncio.run(_with_pool(database, lambda pool: work(config, pool)))
    except whole_file_failed as exc:
        failed = cast(_FileProblems, exc)
        for problem in failed.problems:
            print(problem, file=sys.stderr)
        return 1
    except (SandboxError, SecretMissingError, StoreError) as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    for error in report.errors:
        print(error, file=sys.stderr)
    print(report.summary(args.file))
    return 1 if report.errors else 0


def cmd_import_directory(args: argparse.Namespace) -> int:
    from directory.errors import DirectoryImportError
    from directory.importer import import_directory

    def work(config: HotlineConfig, pool: asyncpg.Pool) -> Awaitable[_ImportReport]:
        courts = {platform.id for platform in config.platforms}
        return import_directory(Path(args.file), pool, known_courts=courts)

    return _import_file(args, work, DirectoryImportError)


def cmd_import_knowledge(args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeImportError
    from knowledge.importer import import_knowledge
    from knowledge.service import KnowledgeService
    from knowledge.store import KnowledgeStore

    def work(_config: HotlineConfig, pool: asyncpg.Pool) -> Awaitable[_ImportReport]:
        service = KnowledgeService(KnowledgeStore(pool), utc_now)
        return import_knowledge(Path(args.file), service, by=args.by)

    return _import_file(args, work, KnowledgeImportError)


@contextlib.contextmanager
def _import_database(config: HotlineConfig, var_dir: Path) -> Iterator[dict[str, Any]]:
    """The database an import writes to: HOTLINE_DATABASE_URL or database.url, else the local
    cluster of `hotline run --sandbox`, started for the import (and stopped after) if need be."""
    from hotline.local_stack import local_cluster

    secrets = _secrets(var_dir)
    if _external_database(config):
        yield _database_params(config, secrets)
        return
    cluster = local_cluster(var_dir, secrets)
    if cluster.is_running():
        yield dict(cluster.connect_params())
        return
    cluster.ensure()
    cluster.start()
    try:
        yield dict(cluster.connect_params())
    finally:
        cluster.stop()


async def _with_pool(
    database: dict[str, Any], work: Callable[[asyncpg.Pool], Awaitable[_Result]]
) -> _Result:
    from store.database import create_pool, migrate

    pool = await create_pool(database, max_size=2)
    try:
        await migrate(pool)
        return await work(pool)
    finally:
        await pool.close()


def cmd_user(args: argparse.Namespace) -> int:
    from console.cli import read_password, run_command
    from console.errors import ConsoleError

    try:
        password = read_password(args)
    except ConsoleError as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    return _database_command(
        args,
        lambda args, pool, config: run_command(args, pool, config, password),
        errors=(ConsoleError,),
    )


def _database_command(
    args: argparse.Namespace,
    run: Callable[[argparse.Namespace, asyncpg.Pool, HotlineConfig], Awaitable[int]],
    *,
    errors: tuple[type[Exception], ...] = (),
) -> int:
    """A command that works on the database (the configured one, or the sandbox's cluster).
    Its own `errors` are reported as the database's are: one line, exit status 1."""
    from sandbox import SandboxError
    from store.database import StoreError

    reported: tuple[type[Exception], ...] = (SandboxError, SecretMissingError, StoreError, *errors)
    configure_logging(level="warning")
    config = _load_or_exit(_config_path(args.config))
    try:
        with _import_database(config, Path(args.var_dir)) as database:
            return asyncio.run(_with_pool(database, lambda pool: run(args, pool, config)))
    except reported as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1


def cmd_recordings(args: argparse.Namespace) -> int:
    from recordings.cli import run_command

    return _database_command(args, run_command)


def cmd_report(args: argparse.Namespace) -> int:
    from reports.cli import run_command

    return _database_command(args, run_command)


def cmd_dial(args: argparse.Namespace) -> int:
    from hotline.dial import dial_from_terminal

    configure_logging(level="warning")
    config = _load_or_exit(_config_path(args.config))
    return dial_from_terminal(
        config,
        _secrets(Path(args.var_dir)),
        number=args.number,
        status_url=args.status_url,
        caller=args.caller,
    )


def cmd_status(args: argparse.Namespace) -> int:
    from hotline.controller_api import show_status

    config = _load_or_exit(_config_path(args.config))
    token = _secrets(Path(args.var_dir)).resolve(config.hotline.api_token)
    url = args.url or f"http://{config.hotline.status_listen}"
    return show_status(url, token, as_json=args.json)


def cmd_run(args: argparse.Namespace) -> int:
    configure_logging(
        json={"json": True, "console": False}.get(args.log_format), level=args.log_level
    )
    path = _config_path(args.config)
    config = _load_or_exit(path)
    var_dir = Path(args.var_dir)
    secrets = _secrets(var_dir)
    stack = None
    store_dir = config.recordings.store_dir
    try:
        if args.sandbox:
            from hotline.local_stack import start_local_stack

            external = _external_database(config)
            stack = start_local_stack(
                config,
                path.parent,
                secrets,
                var_dir,
                recordings_store_dir=store_dir,
                with_postgres=external is None,
            )
            database = stack.database() or _database_params(config, secrets)
            locations = stack.locations
        else:
            database = _database_params(config, secrets)
            build_prompts(config.prompts, config.prompts.dir, base_dir=path.parent)
            locations = Locations(
                config.prompts.dir,
                config.prompts.asterisk_dir,
                config.recordings.spool_dir,
                store_dir,
            )
        return asyncio.run(
            _serve(ConfigHolder(path, config), secrets, database, locations, sandbox=args.sandbox)
        )
    except (SecretMissingError, PromptError) as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 1
    finally:
        if stack is not None:
            stack.stop()


def cmd_simulate(args: argparse.Namespace) -> int:
    from simulate.errors import InputFileError, SimulationError
    from simulate.report import as_json, compare, footnotes, single, wrapped
    from simulate.runner import Options, Variant, parse_weights, plan, run

    configure_logging(level="warning")
    config = _load_or_exit(_config_path(args.config))
    try:
        options = Options(
            days=args.days,
            first_day=args.start_date,
            calls_per_hour=args.calls_per_hour,
            shares=parse_weights("--share", args.share, [p.id for p in config.platforms]),
            rates_file=Path(args.rates) if args.rates else None,
            queue_mix=parse_weights("--queue-mix", args.queue_mix, [q.id for q in config.queues]),
            recorded_file=Path(args.arrivals) if args.arrivals else None,
            handle_s=args.handle_s,
            handle_distribution=args.handle_dist,
            handle_cv=args.handle_cv,
            patience_s=args.patience_s,
            strategies=tuple(dict.fromkeys(Strategy(s) for s in args.strategy)),
            poolings=tuple(dict.fromkeys(Pooling(p) for p in args.pooling)),
            service_level_s=args.service_level_s,
            seed=args.seed,
            max_calls=args.max_calls,
        )
        against = [(Path(file).stem, _load_or_exit(Path(file))) for file in args.against]
        if len({name for name, _ in against}) < len(against) or "current" in dict(against):
            against = [(f"changed-{n}", yaml) for n, (_, yaml) in enumerate(against, 1)]
        runs = plan(config, options, against)
    except InputFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except SimulationError as exc:
        print(f"hotline simulate: {exc}", file=sys.stderr)
        return 2
    show_progress = not args.quiet and sys.stderr.isatty()
    expected = runs.expected_calls

    def progress(variant: Variant, calls: int) -> None:
        done[variant] = done.get(variant, 0) + calls
        print(
            f"\r  simulating {variant.label}: {done[variant]:,} of about {expected:,.0f} calls",
            end="",
            file=sys.stderr,
            flush=True,
        )

    done: dict[Variant, int] = {}
    started = time.monotonic()
    results = run(runs, progress if show_progress else None)
    if show_progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    setups = dict(runs.variants)
    labelled = [(variant.label, setups[variant], tally) for variant, tally in results]
    if args.json:
        print(json.dumps(as_json(labelled), ensure_ascii=False, indent=2))
        return 0
    print(f"hotline simulate: {args.config or os.environ.get('HOTLINE_CONFIG')}")
    print("\n".join(wrapped([*runs.description, *(f"note: {n}" for n in runs.notes)])))
    print()
    if len(labelled) == 1:
        label, setup, tally = labelled[0]
        print(f"routing: {label}")
        print("\n".join(single(setup, tally, options.service_level_s)))
    else:
        print("\n".join(compare(labelled, options.service_level_s)))
    print()
    notes = footnotes(options.service_level_s, side_by_side=len(labelled) > 1)
    print("\n".join(wrapped(notes)), flush=True)
    seconds = time.monotonic() - started
    print(f"{len(results)} run(s) simulated in {seconds:.1f} s", file=sys.stderr)
    return 0


def _external_database(config: HotlineConfig) -> str | None:
    return os.environ.get("HOTLINE_DATABASE_URL") or config.database.url


def _database_params(config: HotlineConfig, secrets: SecretStore) -> dict[str, Any]:
    url = _external_database(config)
    if not url:
        raise SystemExit(
            "hotline: no database: set HOTLINE_DATABASE_URL, database.url, or use --sandbox"
        )
    params: dict[str, Any] = {"dsn": url}
    if config.database.password:
        params["password"] = secrets.resolve(config.database.password)
    return params


async def _serve(
    holder: ConfigHolder,
    secrets: SecretStore,
    database: dict[str, Any],
    locations: Locations,
    *,
    sandbox: bool = False,
) -> int:
    config = holder.current
    hotline = Hotline(holder, secrets, database, locations)
    async with hotline, signals_handled(hotline) as stop:
        try:
            await hotline.wait_ready()
        except TimeoutError:
            log.error("Asterisk's ARI is not answering yet; still trying")
        accounts = ""
        if sandbox and hotline.console is not None:
            from hotline.local_stack import ensure_sandbox_accounts

            created = await ensure_sandbox_accounts(hotline.console, config, secrets)
            accounts = "".join(
                f"\n            {name}: password in {path}" for name, path in created
            )
        carriers = ", ".join(c.address for c in config.asterisk.carriers)
        print(
            f"\n12368 hotline is up ({config.hotline.name})\n"
            f"  SIP:      {config.asterisk.sip_address}:{config.asterisk.sip_port} (UDP/TCP); "
            f"carrier trunk from {carriers}; numbers {', '.join(config.routed_numbers())}\n"
            f"  Seats:    {len(config.seats)} softphone accounts (user = seat id)\n"
            f"  ARI:      {config.asterisk.ari_url} (app '{config.hotline.app}')\n"
            f"  Status:   {hotline.status_url}/api/status  (or: hotline status)\n"
            f"  Console:  {hotline.status_url}/console (agents), {hotline.status_url}/wallboard"
            f" (supervisors); accounts: hotline user list{accounts}\n"
            f"  Records:  {locations.recordings_store_dir}\n"
            "Ctrl-C stops; SIGHUP reloads the config.\n",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()
    return 0


def cmd_seat(args: argparse.Namespace) -> int:
    """Log a seat in or out, pause or resume it, through the running switch's API."""
    from hotline.controller_api import set_seat_status

    config = _load_or_exit(_config_path(args.config))
    if not any(seat.id == args.seat for seat in config.seats):
        print(f"hotline: no seat {args.seat!r} in {args.config}", file=sys.stderr)
        return 2
    token = _secrets(Path(args.var_dir)).resolve(config.hotline.api_token)
    url = args.url or f"http://{config.hotline.status_listen}"
    return set_seat_status(url, token, args.seat, args.action, args.reason)


def _config_options(parser: argparse.ArgumentParser, *, var_dir: bool = True) -> None:
    parser.add_argument("--config", help="the YAML config (default: $HOTLINE_CONFIG)")
    if var_dir:
        parser.add_argument(
            "--var-dir",
            default=str(DEFAULT_VAR_DIR),
            help="state dir: secrets, local cluster (default: %(default)s)",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotline",
        description="The 12368 litigation-service hotline switch (Asterisk 22 over ARI).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the switch",
        description=(
            "Run the switch. With --sandbox it also starts a private PostgreSQL and Asterisk 22 in "
            "its sandbox (built on first use) and stops them on exit."
        ),
    )
    _config_options(run)
    run.add_argument(
        "--sandbox",
        action="store_true",
        help="start the local Asterisk sandbox and PostgreSQL cluster too",
    )
    run.add_argument(
        "--log-format",
        choices=["auto", "json", "console"],
        default="auto",
        help="auto = readable on a terminal, JSON otherwise (default: %(default)s)",
    )
    run.add_argument("--log-level", default="info", help="debug, info, warning, error")
    run.set_defaults(handler=cmd_run)

    check = commands.add_parser(
        "check-config",
        help="validate config files",
        description="Report every error as file:line:col: message.",
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(handler=cmd_check_config)

    status = commands.add_parser("status", help="live calls and seats of a running switch")
    _config_options(status)
    status.add_argument(
        "--url", help="the controller's API (default: http://<hotline.status_listen>)"
    )
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    status.set_defaults(handler=cmd_status)

    seat = commands.add_parser(
        "seat",
        help="log a seat in or out, pause or resume it",
        description=(
            "Change an agent's status through the running switch (the same as the softphone's "
            "feature codes *21 login, *22 logout, *23 pause, *24 resume)."
        ),
    )
    _config_options(seat)
    seat.add_argument("action", choices=["login", "logout", "pause", "resume"])
    seat.add_argument("seat", help="the seat id from the config")
    seat.add_argument("--reason", help="why the agent pauses (one of agents.pause_reasons)")
    seat.add_argument("--url", help="the switch's API (default: hotline.status_listen)")
    seat.set_defaults(handler=cmd_seat)

    secrets = commands.add_parser("secrets", help="manage secret files")
    secrets_commands = secrets.add_subparsers(dest="secrets_command", required=True)
    init = secrets_commands.add_parser("init", help="generate missing secret: values")
    _config_options(init)
    init.set_defaults(handler=cmd_secrets_init)

    dialing = commands.add_parser(
        "dial",
        help="call the running hotline from this terminal and press keys",
        description=(
            "Place a call into the running hotline (a Local channel) to walk the menu before "
            "going live: keys 0-9 * # are sent as DTMF, each prompt's text and each menu step is "
            "shown as it happens; q hangs up. Keys can also be piped in (',' waits a second)."
        ),
    )
    dialing.add_argument("number", nargs="?", help="the number to call (default: the first)")
    _config_options(dialing)
    dialing.add_argument("--status-url", help="the controller's status API (default: from YAML)")
    dialing.add_argument(
        "--caller",
        metavar="NUMBER",
        help="call as this phone number, e.g. a case party's, to walk what a known caller gets"
        " (default: no number)",
    )
    dialing.set_defaults(handler=cmd_dial)

    from console.cli import add_commands as add_user_commands

    add_user_commands(commands, _config_options, cmd_user)

    from recordings.cli import add_commands as add_recordings_commands

    add_recordings_commands(commands, _config_options, cmd_recordings)

    from reports.cli import add_commands as add_report_commands

    add_report_commands(commands, _config_options, cmd_report)

    importing = commands.add_parser("import", help="import data from files")
    import_commands = importing.add_subparsers(dest="import_command", required=True)
    cases = import_commands.add_parser(
        "cases",
        help="import cases for self-service query from CSV",
        description=(
            "Import cases (header: case_number, court_id, division, query_code, password, stage, "
            "judge_name, next_hearing, last_event, last_event_at). Good rows are imported, bad "
            "rows are listed as file:line: column: message; passwords are stored hashed."
        ),
    )
    cases.add_argument("file", metavar="FILE")
    _config_options(cases)
    cases.set_defaults(handler=cmd_import_cases)
    directory = import_commands.add_parser(
        "directory",
        help="import courts, divisions, judges and cases' contacts from YAML",
        description=(
            "Import the court directory (lists courts, divisions, judges, cases; the schema is "
            "at the top of directory/importer.py, an example in config/examples/directory.yaml). "
            "Good entries are written, updating those with the same id; bad ones are listed as "
            "file:line: field: message and skipped, and the exit status is then 1. Court ids "
            "must be platform ids of --config. Without HOTLINE_DATABASE_URL or database.url the "
            "local cluster of `hotline run --sandbox` is used."
        ),
    )
    directory.add_argument("file", metavar="FILE")
    _config_options(directory)
    directory.set_defaults(handler=cmd_import_directory)
    knowledge = import_commands.add_parser(
        "knowledge",
        help="import the agents' knowledge base (Q&A) from YAML",
        description=(
            "Import knowledge-base entries (question, answer, tags; an example in "
            "config/examples/knowledge.yaml). An entry with the same question is updated, a new "
            "one created; bad entries are listed as file:line: field: message and skipped, and "
            "the exit status is then 1. Supervisors edit entries in the console afterwards."
        ),
    )
    knowledge.add_argument("file", metavar="FILE")
    knowledge.add_argument(
        "--by", default="import", help="the editor recorded in the history (default: import)"
    )
    _config_options(knowledge)
    knowledge.set_defaults(handler=cmd_import_knowledge)

    render = commands.add_parser(
        "asterisk-config",
        help="render Asterisk's configuration from the YAML",
        description=(
            "Render asterisk-conf/ with the seats, carriers and numbers of the YAML for a "
            "deployment. Asterisk keeps its files under /srv/hotline/INSTANCE/."
        ),
    )
    _config_options(render)
    render.add_argument("--out", required=True, help="directory to write the .conf files to")
    render.add_argument("--instance", default="prod", help="instance name (default: %(default)s)")
    render.add_argument("--moh-dir", help="also write the default hold music here")
    render.add_argument("--prompts-dir", help="also build the prompts here")
    render.set_defaults(handler=cmd_asterisk_config)

    prompts = commands.add_parser("prompts", help="prompt audio")
    prompts_commands = prompts.add_subparsers(dest="prompts_command", required=True)
    build = prompts_commands.add_parser("build", help="synthesise or convert every prompt")
    _config_options(build, var_dir=False)
    build.add_argument("--out", help="output directory (default: prompts.dir of the config)")
    build.set_defaults(handler=cmd_prompts_build)

    simulating = commands.add_parser(
        "simulate",
        help="try the routing on a virtual clock, against generated or recorded callers",
        description=(
            "Run the switch's own routing decisions (routing/policy.py) on a virtual clock:\n"
            "callers arrive (Poisson per court and clock hour, or recorded), wait, hang up\n"
            "when their patience ends, and are matched to seats exactly as the live router\n"
            "would. Prints per platform the service level, average wait, abandonment and\n"
            "seat occupancy. Give --strategy and --pooling more than once to compare the\n"
            "variants side by side on the same callers. Nothing is dialled, no database used."
        ),
        epilog=(
            "examples:\n"
            "  hotline simulate --config config/examples/beijing.yaml\n"
            "  hotline simulate --config config/examples/beijing.yaml "
            "--rates config/examples/beijing-rates.csv \\\n"
            "      --strategy least_busy --strategy longest_idle --pooling tiers --pooling none\n"
            "  hotline simulate --config config/examples/beijing.yaml "
            "--arrivals config/examples/beijing-arrivals.csv\n"
            "  hotline simulate --config config/examples/beijing.yaml --against proposed.yaml"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _config_options(simulating, var_dir=False)
    callers = simulating.add_argument_group("generated callers")
    callers.add_argument(
        "--days", type=int, help=f"working days to simulate (default: {DEFAULT_DAYS})"
    )
    callers.add_argument(
        "--start-date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help=f"the first day (the next working day if it is not one; default: {DEFAULT_FIRST_DAY})",
    )
    callers.add_argument(
        "--calls-per-hour",
        type=float,
        metavar="RATE",
        help=(
            "calls per hour, all courts together "
            f"(default: {DEFAULT_LOAD * 100:.0f}%% of what the seats carry)"
        ),
    )
    callers.add_argument(
        "--share",
        action="append",
        default=[],
        metavar="COURT=WEIGHT",
        help="a court's (platform id's) share of the calls; repeat it (default: equal shares)",
    )
    callers.add_argument(
        "--rates",
        metavar="FILE",
        help="CSV court,hour,calls_per_hour (hour 0-23 or *): rates per court and clock hour",
    )
    callers.add_argument(
        "--queue-mix",
        action="append",
        default=[],
        metavar="QUEUE=WEIGHT",
        help="a queue's share of the calls; repeat it (default: all to ivr.agent_queue)",
    )
    callers.add_argument(
        "--handle-s",
        type=float,
        metavar="SECONDS",
        help=f"mean talk time (default: {DEFAULT_HANDLE_S:g})",
    )
    callers.add_argument(
        "--handle-dist",
        choices=["exponential", "lognormal"],
        help="talk time distribution (default: exponential, as Erlang C assumes)",
    )
    callers.add_argument(
        "--handle-cv",
        type=float,
        metavar="CV",
        help="lognormal only: standard deviation over mean (default: 1)",
    )
    callers.add_argument(
        "--patience-s",
        type=float,
        metavar="SECONDS",
        help=(
            f"mean patience, exponential; 'inf': nobody hangs up (default: {DEFAULT_PATIENCE_S:g})"
        ),
    )
    recorded = simulating.add_argument_group("recorded callers")
    recorded.add_argument(
        "--arrivals",
        metavar="FILE",
        help="CSV time,court,queue,handle_s,patience_s of real calls, instead of generated ones",
    )
    routing = simulating.add_argument_group("routing variants (each combination is one run)")
    routing.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="FILE",
        help="a changed copy of the YAML (tiers, strategy, seats...) to run on the same callers",
    )
    routing.add_argument(
        "--strategy",
        action="append",
        default=[],
        choices=[strategy.value for strategy in Strategy],
        help="replace every queue's strategy; repeat to compare (default: as configured)",
    )
    routing.add_argument(
        "--pooling",
        action="append",
        default=[],
        choices=[pooling.value for pooling in Pooling],
        help=(
            "tiers: the queues' tiers as configured; none: a court's calls to its own seats only; "
            "all: every seat from the first second; repeat to compare (default: tiers)"
        ),
    )
    output = simulating.add_argument_group("measuring and output")
    output.add_argument(
        "--service-level-s",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="answered within this long counts as in time (default: %(default)g)",
    )
    output.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    output.add_argument(
        "--max-calls",
        type=int,
        default=DEFAULT_MAX_CALLS,
        metavar="N",
        help="refuse runs expected to exceed N calls each (default: %(default)s)",
    )
    output.add_argument("--json", action="store_true", help="print the figures as JSON")
    output.add_argument("--quiet", action="store_true", help="no progress on the terminal")
    simulating.set_defaults(handler=cmd_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except BrokenPipeError:
        # The reader (`hotline status | head`) went away; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
