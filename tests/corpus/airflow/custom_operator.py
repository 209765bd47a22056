"""A custom operator with template_fields, and chain / cross_downstream."""

from headwater.airflow import BaseOperator, DAG, EmptyOperator, chain, cross_downstream


class GreetOperator(BaseOperator):
    template_fields = ("greeting",)

    def __init__(self, *, name: str, greeting: str = "Hello {{ params.who }}", **kwargs):
        super().__init__(**kwargs)
        self.name = name
        self.greeting = greeting

    def execute(self, context):
        message = f"{self.greeting}, from {self.name}"
        self.log.info(message)
        return message


with DAG("custom_ops", schedule=None, params={"who": "team"}) as dag:
    hello = GreetOperator(task_id="hello", name="airflow")
    bye = GreetOperator(task_id="bye", name="headwater", greeting="Bye {{ dag.dag_id }}")
    a, b, c, d = (EmptyOperator(task_id=t) for t in "abcd")
    chain(hello, [a, b], bye)
    cross_downstream([a, b], [c, d])

EXPECTED = {
    "custom_ops": {
        "states": {t: "SUCCESS" for t in ["hello", "bye", "a", "b", "c", "d"]},
        "outputs": {"hello": "Hello team, from airflow", "bye": "Bye custom_ops, from headwater"},
        "upstream": {"bye": ["a", "b"], "c": ["a", "b"], "d": ["a", "b"]},
    }
}
