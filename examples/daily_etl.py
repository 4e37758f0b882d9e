"""A daily ETL: read the day's orders, clean orders and customers side by side, merge, report.

The orders file is an IncludeFile: `flowc run` reads it once when the run starts and stores it as
an artifact, so tasks on remote machines never need the author's local copy.
"""

import csv
import io

from flowc import FlowSpec, IncludeFile, Parameter, environment, project, schedule, step, timeout

FX_TO_EUR = {"EUR": 1.0, "USD": 0.92}


@project(name="sales")
@schedule(cron="30 6 * * *", timezone="Europe/Paris")
class DailySalesETL(FlowSpec):
    """Build the daily sales report from the raw orders export."""

    orders_file = IncludeFile("orders", default="data/orders.csv", help="CSV export of the day's orders")
    min_amount = Parameter("min_amount", default=0.0, help="drop orders below this amount (EUR)")

    @step
    def start(self):
        """Parse the export."""
        self.rows = list(csv.DictReader(io.StringIO(self.orders_file)))
        self.next(self.clean_orders, self.clean_customers)

    @timeout(minutes=10)
    @step
    def clean_orders(self):
        """Keep paid orders, converted to EUR."""
        self.orders = [
            {
                "id": r["order_id"],
                "customer": r["customer_id"],
                "eur": round(float(r["amount"]) * FX_TO_EUR[r["currency"]], 2),
            }
            for r in self.rows
            if r["status"] == "paid" and r["customer_id"]
        ]
        self.orders = [o for o in self.orders if o["eur"] >= self.min_amount]
        self.next(self.merge)

    @environment(vars={"REPORT_LOCALE": "fr_FR"})
    @step
    def clean_customers(self):
        """The distinct customers seen today."""
        self.customers = sorted({r["customer_id"] for r in self.rows if r["customer_id"]})
        self.next(self.merge)

    @step
    def merge(self, inputs):
        """Bring both halves together."""
        self.orders = inputs.clean_orders.orders
        self.customers = inputs.clean_customers.customers
        self.next(self.report)

    @step
    def report(self):
        """Revenue per customer."""
        revenue = {}
        for o in self.orders:
            revenue[o["customer"]] = round(revenue.get(o["customer"], 0.0) + o["eur"], 2)
        self.revenue = dict(sorted(revenue.items()))
        self.total_eur = round(sum(revenue.values()), 2)
        self.next(self.end)

    @step
    def end(self):
        """Done."""
        self.summary = f"{len(self.orders)} orders, {len(self.customers)} customers, {self.total_eur} EUR"


if __name__ == "__main__":
    DailySalesETL()
