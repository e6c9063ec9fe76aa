{%- set key_columns = ['attempt_id'] -%}

{{ assert_source_columns('events', 'account_binding_log') }}

with

source as (

    select * from {{ source('events', 'account_binding_log') }}

),

renamed as (

    select
        cast(attempt_id as {{ dbt.type_string() }}) as attempt_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(binding_type as {{ dbt.type_string() }}) as binding_type,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(error_code as {{ dbt.type_string() }}) as error_code,
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
