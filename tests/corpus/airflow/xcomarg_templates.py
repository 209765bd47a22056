"""Another task's value in an f-string and in a templated field; a .sql file rendered by templates_exts."""

from headwater.airflow import DAG, BashOperator, PythonOperator

with DAG("templated_values", schedule=None, template_searchpath=["sql"]) as dag:
    table = PythonOperator(task_id="pick_table", python_callable=lambda: "sales_2024")
    echo = BashOperator(task_id="echo_table", bash_command=f"echo table={table.output}")
    query = PythonOperator(
        task_id="build_query",
        python_callable=lambda templates_dict: templates_dict["query"].strip(),
        templates_dict={"query": "count_rows.sql"},
        templates_exts=[".sql"],
        params={"limit": 10},
    )
    table >> [echo, query]

EXPECTED = {
    "templated_values": {
        "states": {"pick_table": "SUCCESS", "echo_table": "SUCCESS", "build_query": "SUCCESS"},
        "outputs": {"echo_table": "table=sales_2024", "build_query": "SELECT count(*) FROM sales_2024 LIMIT 10"},
    }
}
