{#-
    Reviewers' labels on guardrail triggers (raw.guardrail_labels, appended by
    `ccfinops guardrails label` to <spool>/labels/labels.jsonl and loaded with the spool). Empty,
    with the same columns, on a warehouse where no label was ever loaded.
-#}
with

source as (

    {{ optional_source('guardrails', 'guardrail_labels', [
        ['label_id', 'varchar'], ['target_id', 'varchar'], ['target_kind', 'varchar'],
        ['cost_center', 'varchar'], ['cost_date', 'date'], ['is_true_alert', 'boolean'],
        ['labelled_by', 'varchar'], ['note', 'varchar'], ['labelled_at', 'timestamp with time zone']
    ]) }}

),

renamed as (

    select

        ----------  ids
        cast(label_id as varchar) as label_id,
        cast(target_id as varchar) as target_id,

        ----------  attributes
        cast(target_kind as varchar) as target_kind,
        cast(cost_center as varchar) as cost_center,
        cast(cost_date as date) as cost_date,
        cast(is_true_alert as boolean) as is_true_alert,
        cast(labelled_by as varchar) as labelled_by,
        cast(note as varchar) as note,

        ----------  timestamps
        labelled_at

    from source

)

select * from renamed
