SELECT count(*) FROM {{ ti.xcom_pull(task_ids='pick_table') }} LIMIT {{ params.limit }}
