from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inquiries.mailbox import BATCH_SIZE, mailbox_fetch


class Command(BaseCommand):
    help = "Read the inquiry mailbox over IMAP once (the periodic task does the same every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=BATCH_SIZE, help="at most this many mails")

    def handle(self, *args, **options):
        if not settings.INQUIRY_IMAP_HOST:
            raise CommandError("INQUIRY_IMAP_HOST is not set")
        result = mailbox_fetch(limit=options["limit"])
        self.stdout.write(
            f"new inquiries: {result.created}, thread replies: {result.threaded}, flagged: {result.flagged}, "
            f"already stored: {result.duplicates}, failed (left unread): {result.failed}"
        )
