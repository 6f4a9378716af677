import time

from django.core.management.base import BaseCommand

from aftersales.demo import seed_all


class Command(BaseCommand):
    help = "Load demo data (idempotent: running it twice adds nothing twice); make run then prints the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="how many demo customers (default 300)")

    def handle(self, *args, **options):
        started = time.monotonic()
        seed_all(customers=options["customers"], stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"demo data ready in {time.monotonic() - started:.1f}s"))
        # The logins are printed once, by run_portal (make run), and listed in the README.
