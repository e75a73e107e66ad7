"""The products in a profile: one added (product, number, purchase date), one removed.

The next repair request offers them as buttons (`handlers.customer.repair`), pre-filled.
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, Update

from bot.context import KefuContext
from domain.rules.dates import DateInputError, parse_customer_date
from domain.rules.references import is_reference
from handlers.common.answers import answer
from handlers.common.flow import draft, keyboard, reply, say, text_answer
from handlers.common.wording import date_problem_text
from handlers.customer.profile.fields import save
from handlers.customer.profile.states import FLOW, NO_DATE, PRODUCT, REMOVE, Profile
from storage import profiles

NEW = "new_product"  # the draft's answers: the product being added


async def ask_product(update: Update, context: KefuContext) -> None:
    language = context.t.language
    rows = [
        [InlineKeyboardButton(p.name(language), callback_data=PRODUCT.data(p.id))]
        for p in context.kefu.config.products
    ]
    rows.append([InlineKeyboardButton(context.t.t("Other product"), callback_data=PRODUCT.data())])
    await say(update, context, context.t.t("Which product do you own?"), keyboard(context, rows))


async def got_product(update: Update, context: KefuContext) -> int:
    product_id = PRODUCT.value(update)
    if product_id is not None and context.kefu.config.product(product_id) is None:
        return await FLOW.again(update, context)
    draft(context).answers[NEW] = {"product": product_id}
    return await FLOW.goto(update, context, Profile.SERIAL)


async def ask_serial(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("Please type the serial number on the product's label."),
        keyboard(context, []),
    )


async def got_serial(update: Update, context: KefuContext) -> int:
    value = " ".join(text_answer(update).split())
    if not is_reference(value):
        await reply(
            update,
            context.t.t(
                "That does not look like a serial number: use 3 to 40 letters, digits or "
                "dashes, as printed on the product's label."
            ),
        )
        return await FLOW.goto(update, context, Profile.SERIAL)
    draft(context).answers.setdefault(NEW, {"product": None})["serial"] = value
    return await FLOW.goto(update, context, Profile.PURCHASE_DATE)


async def ask_purchase_date(update: Update, context: KefuContext) -> None:
    skip = InlineKeyboardButton(context.t.t("I don't know"), callback_data=NO_DATE.data())
    await say(
        update,
        context,
        context.t.t("When did you buy it? For example 2025-03-01, 1/3/2025 or 2025年3月1日."),
        keyboard(context, [[skip]]),
    )


async def got_purchase_date(update: Update, context: KefuContext) -> int:
    today = context.kefu.clock.now().astimezone(context.kefu.timezone).date()
    try:
        purchased = parse_customer_date(text_answer(update), today)
    except DateInputError as error:
        await reply(update, date_problem_text(context, error.problem))
        return await FLOW.goto(update, context, Profile.PURCHASE_DATE)
    return await _add(update, context, purchased)


async def no_purchase_date(update: Update, context: KefuContext) -> int:
    return await _add(update, context, None)


async def _add(update: Update, context: KefuContext, purchased: date | None) -> int:
    new = draft(context).answers.pop(NEW, None)
    if not new or "serial" not in new:  # an old "I don't know" pressed after the product
        return await FLOW.again(update, context)
    await save(
        context,
        lambda session, customer, now: profiles.remember_product(
            session,
            customer,
            product_id=new["product"],
            serial_number=new["serial"],
            purchase_date=purchased,
            now=now,
        ),
    )
    await reply(update, context.t.t("Saved: the product is in your profile."))
    return await FLOW.goto(update, context, Profile.MENU)


async def remove_product(update: Update, context: KefuContext) -> int:
    product_row_id = REMOVE.value(update)
    assert context.customer_id is not None
    removed = False
    if product_row_id is not None:
        async with context.kefu.db.unit_of_work() as session:
            removed = await profiles.remove_product(session, context.customer_id, product_row_id)
    if not removed:  # forged, or removed already from an older message
        await answer(update, context, context.t.t("This button is no longer valid."))
    else:
        await answer(update, context, context.t.t("Removed from your profile."))
    return await FLOW.goto(update, context, Profile.MENU)
