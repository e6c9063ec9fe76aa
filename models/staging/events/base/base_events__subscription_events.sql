{%- set key_columns = ['event_id'] -%}

{{ assert_source_columns('events', 'subscription_log') }}

with

source as (

    select * from {{ source('events', 'subscription_log') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(plan as {{ dbt.type_string() }}) as plan,
        cast(period_start as timestamp) as period_start_at,
        cast(period_end as timestamp) as period_end_at,
        cast(amount_cents as bigint) as amount_cents,
        cast(currency as {{ dbt.type_string() }}) as currency,
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
