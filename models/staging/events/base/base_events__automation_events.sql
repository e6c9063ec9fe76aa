{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'automation_log') }}

with

source as (

    select * from {{ source('events', 'automation_log') }}

),

renamed as (

    select
        cast(event_id as varchar) as event_id,
        cast(tenant_id as varchar) as tenant_id,
        cast(automation_id as varchar) as automation_id,
        cast(trigger_type as varchar) as trigger_type,
        cast(contact_id as varchar) as contact_id,
        cast(channel as varchar) as channel,
        cast(status as varchar) as status,
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
