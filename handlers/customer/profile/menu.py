"""The profile as the flow shows it, with a button for each thing to change."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import KefuContext
from domain.profiles.view import customer_view, product_label
from handlers.common.flow import say
from handlers.customer.profile.states import CORRECT, DONE, EDIT, REMOVE
from storage import customers, profiles


async def ask_menu(update: Update, context: KefuContext) -> None:
    kefu, t = context.kefu, context.t.t
    assert context.customer_id is not None
    async with kefu.db.read_only() as session:
        customer = await customers.get(session, context.customer_id)
        products = await profiles.products_of(session, context.customer_id)
    assert customer is not None
    rows = [
        [
            InlineKeyboardButton(t("Change name"), callback_data=EDIT.data("name")),
            InlineKeyboardButton(t("Change phone"), callback_data=EDIT.data("phone")),
        ],
        [
            InlineKeyboardButton(t("Change address"), callback_data=EDIT.data("address")),
            InlineKeyboardButton(t("Change language"), callback_data=EDIT.data("language")),
        ],
        [InlineKeyboardButton(t("Add a product"), callback_data=EDIT.data("product"))],
    ]
    for product in products:
        label = product_label(kefu.config, context.t, product, dated=False)
        rows.append(
            [
                InlineKeyboardButton(
                    t("Remove {product}", product=label), callback_data=REMOVE.data(product.id)
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(t("All correct"), callback_data=CORRECT.data()),
            InlineKeyboardButton(t("Done"), callback_data=DONE.data()),
        ]
    )
    text = customer_view(kefu.config, context.t, customer, products)
    await say(update, context, text, InlineKeyboardMarkup(rows))
