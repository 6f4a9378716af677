"""Department, Team and StaffProfile move from the staff app to org, keeping their tables (state only).

On a database that already has them, their content types are renamed from staff to org, so permissions granted
on them (and the roles' groups) carry over.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("department", "team", "staffprofile")


def content_types_to_org(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="staff", model__in=MOVED).update(app_label="org")


def content_types_to_staff(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="org", model__in=MOVED).update(app_label="staff")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("staff", "0005_kpi_response_minutes"),
    ]

    operations = [
        migrations.RunPython(content_types_to_org, content_types_to_staff),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='Department',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=32, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('escalation_hours', models.PositiveSmallIntegerField(default=24, verbose_name='escalation deadline (hours)')),
            ],
            options={
                'verbose_name': 'department',
                'verbose_name_plural': 'departments',
                'db_table': 'staff_department',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Team',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='org.department', verbose_name='department')),
                ('supervisor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='supervised_teams', to=settings.AUTH_USER_MODEL, verbose_name='supervisor')),
            ],
            options={
                'verbose_name': 'team',
                'verbose_name_plural': 'teams',
                'db_table': 'staff_team',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='StaffProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('agent', 'Customer-service agent'), ('risk_assessor', 'Risk assessor'), ('legal_advisor', 'Legal advisor'), ('supervisor', 'Supervisor'), ('manager', 'Manager'), ('back_office', 'Back office')], max_length=32, verbose_name='role')),
                ('work_phone', models.CharField(blank=True, max_length=32, verbose_name='work phone')),
                ('on_duty', models.BooleanField(default=False, verbose_name='on duty')),
                ('on_duty_since', models.DateTimeField(blank=True, null=True, verbose_name='on duty since')),
                ('language', models.CharField(blank=True, choices=[('zh-hans', 'Simplified Chinese'), ('en', 'English')], default='zh-hans', max_length=10, verbose_name='language')),
                ('infosec_training_due', models.DateField(blank=True, help_text='Set a year after each information-security training attended.', null=True, verbose_name='information-security training due')),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='org.department', verbose_name='department')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='staff_profile', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='members', to='org.team', verbose_name='team')),
            ],
            options={
                'verbose_name': 'staff profile',
                'verbose_name_plural': 'staff profiles',
                'db_table': 'staff_staffprofile',
                'ordering': ['user__username'],
                'indexes': [models.Index(fields=['role', 'on_duty'], name='staff_role_duty_idx')],
            },
        ),
                ],
        ),
    ]
