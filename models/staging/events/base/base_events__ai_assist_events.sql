{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'ai_assist_log') }}

with

source as (

    select * from {{ source('events', 'ai_assist_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(generation_id as {{ dbt.type_string() }}) as generation_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(macro_id as {{ dbt.type_string() }}) as macro_id,
        cast(template_id as {{ dbt.type_string() }}) as template_id,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(prompt_tokens as bigint) as prompt_tokens,
        cast(completion_tokens as bigint) as completion_tokens,
        cast(event_time as timestamp) as occurred_at,
        cast(_loaded_at as timestamp) as loaded_at
    from source

),

ranked as (

    select
        renamed.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from renamed

)

select * from ranked
