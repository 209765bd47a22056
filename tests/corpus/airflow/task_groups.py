"""Task groups for the stages of a pipeline, one nested, with >> between groups."""

from headwater.airflow import DAG, EmptyOperator, PythonOperator, TaskGroup

with DAG("grouped", schedule=None) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("section_1", tooltip="Tasks for section_1") as section_1:
        task_1 = PythonOperator(task_id="task_1", python_callable=lambda: 1)
        task_2 = PythonOperator(task_id="task_2", python_callable=lambda: 2)
        task_1 >> task_2
    with TaskGroup("section_2") as section_2:
        with TaskGroup("inner_section_2") as inner:
            PythonOperator(task_id="task_3", python_callable=lambda: 3)
            PythonOperator(task_id="task_4", python_callable=lambda: 4)
        summed = PythonOperator(
            task_id="sum",
            python_callable=lambda ti: sum(ti.xcom_pull(task_ids=["section_2.inner_section_2.task_3",
                                                                   "section_2.inner_section_2.task_4"])),
        )
        inner >> summed
    end = EmptyOperator(task_id="end")
    start >> section_1 >> section_2 >> end

EXPECTED = {
    "grouped": {
        "states": {"start": "SUCCESS", "section_1.task_1": "SUCCESS", "section_1.task_2": "SUCCESS",
                   "section_2.inner_section_2.task_3": "SUCCESS", "section_2.inner_section_2.task_4": "SUCCESS",
                   "section_2.sum": "SUCCESS", "end": "SUCCESS"},
        "outputs": {"section_2.sum": 7},
        "upstream": {"section_2.inner_section_2.task_3": ["section_1.task_2"], "end": ["section_2.sum"]},
    }
}
