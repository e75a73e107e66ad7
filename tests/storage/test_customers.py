"""Customers: created on first contact, personal data only with consent."""

import asyncio
from datetime import timedelta

import pytest

from storage import customers
from storage.enums import Language


async def test_first_contact_creates_an_operational_record_only(db, now):
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(
            session, 42, now=now, language=Language.ZH_HANS, first_name="Wei", username="wei"
        )

    assert customer.language == Language.ZH_HANS
    assert (customer.first_name, customer.username, customer.consent_at) == (None, None, None)


async def test_consent_keeps_the_profile_and_decline_erases_it(db, now):
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, 42, now=now)
        await customers.record_consent(session, customer, now=now, first_name="Wei")
        await customers.set_contact(session, customer, now=now, phone="+86 138 0000 0000")
        again = await customers.get_or_create_by_telegram(
            session, 42, now=now, language=Language.EN, first_name="Wei", last_name="Zhang"
        )
        assert again is customer
        assert (customer.last_name, customer.language) == ("Zhang", Language.EN)

        await customers.record_decline(session, customer, now=now + timedelta(days=1))

    async with db.unit_of_work() as session:
        customer = await customers.get_by_telegram(session, 42)
    assert customer.declined_privacy_at == now + timedelta(days=1)
    assert (customer.first_name, customer.last_name, customer.phone) == (None, None, None)


async def test_contact_details_need_consent(db, now):
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, 42, now=now)
        with pytest.raises(customers.ConsentRequired):
            await customers.set_contact(session, customer, now=now, email="wei@example.com")


async def test_two_first_updates_from_one_user_make_one_customer(db, now):
    async def first_contact() -> int:
        async with db.unit_of_work() as session:
            customer = await customers.get_or_create_by_telegram(session, 42, now=now)
            return customer.id

    ids = await asyncio.gather(first_contact(), first_contact(), first_contact())

    assert len(set(ids)) == 1


async def test_language_reachability_and_campaign_opt_out(db, now):
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, 42, now=now)
        await customers.set_language(session, customer, Language.ZH_HANT, now=now)
        await customers.mark_unreachable(session, customer, now=now)
        await customers.set_campaigns_opt_out(session, customer, True, now=now)

    async with db.unit_of_work() as session:
        customer = await customers.get_by_telegram(session, 42)
        assert customer.language == Language.ZH_HANT
        assert customer.unreachable_at == now and customer.campaigns_opt_out_at == now
        await customers.mark_reachable(session, customer, now=now)
        assert customer.unreachable_at is None
