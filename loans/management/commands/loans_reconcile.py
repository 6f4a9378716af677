from django.core.management.base import BaseCommand, CommandError

from loans import ledger
from loans.selectors import reconciliation_full


class Command(BaseCommand):
    help = (
        "Check, from every raw row, that income + principal repaid + customer credit = repayments received (net of "
        "reversals) and that the installments agree with the ledger; refreshes the ledger summary and stores the "
        "installment check for the reconciliation page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rebuild the ledger summary from nothing first.")

    def handle(self, *args, **options):
        state = ledger.ledger_refresh(rebuild=options["rebuild"])
        if state is not None:
            self.stdout.write(f"ledger summary through allocation {state.allocation_through}")
        checked = ledger.ledger_check()
        if checked["summary_differences"]:
            self.stderr.write(
                f"ledger summary differed from the raw rows in {len(checked['summary_differences'])} cells: rebuilt"
            )
        rec = reconciliation_full()
        self.stdout.write(f"received {rec.received}  reversed {rec.reversed}  net {rec.net_received}")
        self.stdout.write(
            f"income {rec.income} (interest {rec.by_type.get('interest', 0)}, penalty {rec.by_type.get('penalty', 0)}, "
            f"fees {rec.by_type.get('fee', 0)})  principal {rec.principal}  credit held {rec.credit_held}"
        )
        if not rec.balanced:
            raise CommandError(f"NOT balanced: {', '.join(rec.problems)}")
        self.stdout.write(self.style.SUCCESS("balanced"))
