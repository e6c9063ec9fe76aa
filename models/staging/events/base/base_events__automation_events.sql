{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'automation_log') }}

with

source as (

    select * from {{ source('events', 'automation_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(automation_id as {{ dbt.type_string() }}) as automation_id,
        cast(trigger_type as {{ dbt.type_string() }}) as trigger_type,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(status as {{ dbt.type_string() }}) as status,
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
