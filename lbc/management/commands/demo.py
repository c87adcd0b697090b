from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lbc.crypto import KeyConfigurationError
from lbc.demo import output
from lbc.demo.constants import DEFAULT_CHILDREN
from lbc.demo.personas import list_personas
from lbc.demo.seed import can_reset, demo_county_exists, demo_steps, reset_database, seed_demo_county
from lbc.demo.serve import serve
from lbc.keycheck import ensure_keys_match

# Sequence numbers of synthetic ID numbers run out beyond this size (500 per birth date and sex).
MAX_CHILDREN = 200_000


def _bounded_int(low: int, high: int) -> Any:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def _day(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date like 2026-12-05") from None


class Command(BaseCommand):
    help = (
        "Demo mode only (LBC_DEMO_MODE=1). Seeds the synthetic demo county (1 county, 10 townships, "
        "100 villages, about 30 schools with classes, households with children, guardians and parents, "
        "one login per role, and synthetic screenings: one completed autumn campaign per school with "
        "grades 4-9, screening consents and assessments; synthetic training: programs for all audiences "
        "and levels, a month of sessions around today with enrolments, a waiting list and past attendance) "
        "in one transaction, unless the county exists "
        "already; prints the logins; "
        "then serves http://127.0.0.1:PORT and runs the background task worker until Ctrl-C. "
        "--today YYYY-MM-DD seeds the county as of that day (default: today), always with the same shape: "
        "the data is laid out from that day at 10:00 local time, so a county seeded on a Saturday or at "
        "07:30 looks like one seeded on a Tuesday morning. "
        "--reset first empties the whole database (SQLite only). --no-serve stops after seeding; "
        "--json (with --no-serve) prints only the logins as JSON on stdout."
    )
    json_mode = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1,
                            help="Random seed: the same seed gives the same county.")
        parser.add_argument("--children", type=_bounded_int(1, MAX_CHILDREN), default=DEFAULT_CHILDREN,
                            help=f"Number of children to generate (default {DEFAULT_CHILDREN}).")
        parser.add_argument("--today", type=_day, default=None,
                            help="Seed the county as of this day (YYYY-MM-DD; default: today).")
        parser.add_argument("--reset", action="store_true", help="Empty the SQLite database before seeding.")
        parser.add_argument("--no-serve", action="store_true", help="Seed and print the logins, then exit.")
        parser.add_argument("--json", action="store_true",
                            help="With --no-serve: print only the logins as JSON.")
        parser.add_argument("--port", type=_bounded_int(1, 65535), default=8000,
                            help="Web server port (default 8000).")

    def handle(self, *args: Any, **options: Any) -> None:
        self._check(options)
        self.json_mode = bool(options["json"])
        self._inform(output.notice())
        if options["reset"]:
            reset_database()
            self._inform(_("已清空演示数据库。"))
        try:
            ensure_keys_match()
        except KeyConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        if demo_county_exists():
            self._inform(_("演示县已存在，没有重新生成（需要重新生成请加 --reset）。"))
        else:
            result = seed_demo_county(
                seed=options["seed"], children=options["children"], today=options["today"]
            )
            self._inform(output.summary(result, options["seed"]))
            for step in demo_steps():  # each installed app's line (screening, then training)
                self._inform(step.summary(result.steps[step.app]))
        personas = list_personas()
        if options["json"]:
            self.stdout.write(json.dumps([p.as_dict() for p in personas], ensure_ascii=False, indent=2))
            return
        self.stdout.write(_("演示账号（密码只用于本机演示）："))
        self.stdout.write(output.login_table(personas))
        self.stdout.write(_("在浏览器中打开 %(url)s") % {"url": f"http://127.0.0.1:{options['port']}"})
        if not options["no_serve"]:
            self._serve(options["port"])

    def _check(self, options: dict[str, Any]) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                _("演示命令只能在演示模式下运行：请设置 LBC_DEMO_MODE=1。切勿在正式环境中使用。")
            )
        if options["json"] and not options["no_serve"]:
            raise CommandError(_("--json 只能和 --no-serve 一起使用。"))
        if options["reset"] and not can_reset():
            raise CommandError(_("--reset 会清空整个数据库，只能用于 SQLite 演示数据库。"))

    def _inform(self, text: str) -> None:
        """Notices go to stderr in --json mode (plain, not error red) so stdout holds only the JSON."""
        if self.json_mode:
            self.stderr.write(text, style_func=str)
        else:
            self.stdout.write(text)

    def _serve(self, port: int) -> None:
        self.stdout.write(_("正在启动 Web 服务器和后台任务进程，按 Ctrl-C 停止。"))
        self.stdout.flush()
        code = serve(port)
        if code:
            raise CommandError(_("Web 服务器异常退出（退出码 %(code)d）。") % {"code": code})
