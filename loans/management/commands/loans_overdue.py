from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from loans import jobs


class Command(BaseCommand):
    help = "Run the daily overdue job: mark overdue, late fees, penalty interest, DPD and buckets (idempotent per day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="business date YYYY-MM-DD (default today, Asia/Shanghai)")

    def handle(self, *args, **options):
        day = date.fromisoformat(options["date"]) if options.get("date") else timezone.localdate()
        run = jobs.overdue_run(day)
        self.stdout.write(
            f"{day}: {run.marked_overdue} marked overdue, {run.late_fees} late fees, {run.penalties} penalty accruals, "
            f"{run.loans_updated} loans re-bucketed; seconds {run.seconds}"
        )
