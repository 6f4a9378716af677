from django.core.management.base import BaseCommand, CommandError

from loans.selectors import reconciliation


class Command(BaseCommand):
    help = "Check that income + principal repaid + customer credit = repayments received (net of reversals)."

    def handle(self, *args, **options):
        rec = reconciliation()
        self.stdout.write(f"received {rec.received}  reversed {rec.reversed}  net {rec.net_received}")
        self.stdout.write(
            f"income {rec.income} (interest {rec.by_type.get('interest', 0)}, penalty {rec.by_type.get('penalty', 0)}, "
            f"fees {rec.by_type.get('fee', 0)})  principal {rec.principal}  credit held {rec.credit_held}"
        )
        if not rec.balanced:
            raise CommandError(f"NOT balanced: {', '.join(rec.problems)}")
        self.stdout.write(self.style.SUCCESS("balanced"))
