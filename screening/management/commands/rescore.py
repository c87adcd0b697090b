from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lbc.models import Region
from lbc.services.errors import DomainError
from screening.assessments.rescoring import RescoreCounts, rescore_campaign, rescore_county
from screening.models import Campaign


class Command(BaseCommand):
    help = (
        "Re-scores stored screenings: every assessment of one campaign (--campaign <public_id>) or of "
        "every campaign of a county's schools (--county <region code>), from the stored answers "
        "(decrypted) with the current instrument definitions and the county's current thresholds. "
        "Assessments recorded outside a campaign are not touched; context scores stay as recorded. "
        "For each assessment whose stored result changes it updates the tier, reasons, action, deadline "
        "and rescored_at, the scores of its responses, and writes a Rescore history row with --reason "
        "(required); a RED or RED_ACUTE assessment is never lowered: it keeps its tier and the row records "
        "downgrade_blocked (a counsellor must sign off). Then updates the children's latest tier. Each "
        "campaign runs in one transaction and writes one audit event. Prints the counts of each campaign "
        "and the total."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--campaign", help="Public id of one campaign.")
        target.add_argument("--county", help="Region code of a county (12 digits): all its campaigns.")
        parser.add_argument("--reason", required=True, help="Why the screenings are re-scored (stored).")

    def handle(self, *args: Any, **options: Any) -> None:
        reason = options["reason"].strip()
        if not reason:
            raise CommandError(_("请填写重新评级的原因（--reason）。"))
        try:
            results = self._run(options, reason)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        total = RescoreCounts()
        for campaign, counts in results:
            total.add(counts)
            self.stdout.write(f"{campaign.public_id} {campaign.name}: {self._describe(counts)}")
        self.stdout.write(_("合计 %(campaigns)d 个筛查批次：%(counts)s") % {
            "campaigns": len(results), "counts": self._describe(total),
        })

    def _run(self, options: dict[str, Any], reason: str) -> list[tuple[Campaign, RescoreCounts]]:
        if options["campaign"]:
            campaign = self._campaign(options["campaign"])
            return [(campaign, rescore_campaign(campaign, by=None, reason=reason))]
        county = Region.objects.filter(code=options["county"].strip(), level=Region.Level.COUNTY).first()
        if county is None:
            raise CommandError(_("没有区划代码为 %(code)s 的县。") % {"code": options["county"]})
        return rescore_county(county, by=None, reason=reason)

    @staticmethod
    def _campaign(public_id: str) -> Campaign:
        try:
            pid = uuid.UUID(public_id.strip())
        except ValueError:
            raise CommandError(_("筛查批次编号无效：%(id)s") % {"id": public_id}) from None
        campaign = Campaign.objects.filter(public_id=pid).first()
        if campaign is None:
            raise CommandError(_("没有编号为 %(id)s 的筛查批次。") % {"id": public_id})
        return campaign

    @staticmethod
    def _describe(counts: RescoreCounts) -> str:
        return _(
            "重新计分 %(assessments)d 份，有变化 %(changed)d 份（升级 %(raised)d，降级 %(lowered)d，"
            "红色未自动降级、待心理教师确认 %(downgrades_blocked)d）"
        ) % counts.as_dict()
