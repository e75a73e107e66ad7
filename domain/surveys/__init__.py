"""Satisfaction surveys after resolved tickets: questions, buttons, answers, results, charts.

Survey campaigns that admins send to many customers are in `domain.campaigns`. The customers'
answers are taken in `handlers.customer.surveys`.
"""
