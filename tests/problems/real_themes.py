"""Hand-checked themes in the real 问政留言 of ../shared/data/appeals (read at test time,
never copied here). Each group was read message by message: the same concrete problem in
the same place. ``APART`` pairs name the same place (or county) but a different problem."""

TOGETHER = {
    "K7县拆除五一桥建廊桥": [
        "a2x-dev-0538", "a2x-dev-1443", "a2x-test-0906", "a4-98070", "a4-98095",
        "a4-98413", "a4-104077", "a4-119151", "a4-119178",
    ],
    "K2区农村信用合作联社职工劳动合同": [
        "a2s-98174", "a2x-dev-0583", "a2x-dev-0930", "a2x-dev-1342", "a2x-test-0037",
    ],
    "A5区恒大城配套幼儿园开办公立园": ["a2x-dev-1479", "a2x-test-0706", "a4-9199", "a4-9225"],
    "K7县锦江村无证养猪场污染水源": ["a2x-dev-1372", "a4-112653", "a4-117609"],
    "K6县江南华府小区物业开发商乱收费": ["a2x-dev-1744", "a2x-test-0246", "a4-97767"],
    "M5市汇源煤气公司排放污染": ["a2x-dev-1822", "a4-144792", "a4-144848"],
    "A7县黄花镇合心村焦煤堆放场地": ["a2s-16857", "a4-16945"],
    "A市美联（联美）品格渗水楼盘": ["a2s-12330", "a2x-dev-0720", "a2x-test-0035"],
    "L市城区28路公交车终点站": ["a4-121215", "a4-121229", "a4-124324"],
    "暮云怡海星城、龙湾国际公交出行": ["a4-20447", "a4-21188", "a4-21193"],
    "A7县恒大翡翠华庭幼儿园开学": ["a4-17561", "a4-17589"],
}  # fmt: skip

APART = [
    ("a4-16945", "a4-16973"),  # 合心村: 焦煤堆放 vs 通自来水收费
    ("a4-16945", "a4-24557"),  # 黄花镇: 焦煤堆放 vs 隆兴砖厂乱倒垃圾
    ("a4-97767", "a2x-test-0345"),  # K6县: 江南华府乱收费 vs 锦锈花园沙子垄断
    ("a4-21188", "a2x-dev-0470"),  # 怡海星城: 公交出行 vs 传销窝点
    ("a4-9199", "a4-17561"),  # 恒大: A5区恒大城幼儿园 vs A7县翡翠华庭幼儿园
    ("a2x-dev-1372", "a2x-dev-0538"),  # K7县: 锦江村养猪场 vs 五一桥
]
