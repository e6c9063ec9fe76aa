{%- set key_columns = ['user_id'] -%}

{{ assert_source_columns('app', 'user_profile') }}

with

source as (

    select * from {{ source('app', 'user_profile') }}

),

renamed as (

    select
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(role as {{ dbt.type_string() }}) as role,
        {{ hash_pii('email') }} as email_hash,
        {{ hash_pii('phone') }} as phone_hash,
        cast(created_at as timestamp) as created_at,
        cast(deleted_at as timestamp) as deleted_at,
        cast(_loaded_at as timestamp) as loaded_at,
        deleted_at is not null as is_deleted
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
